/**
 * What the probes saw of each protected pod's programs, per container, since
 * this agent started: the condition message lists them (report/note.ts
 * sightNote). Kept as a union over time (bounded per pod), so a short-lived
 * process does not make the condition flap.
 */
import type { ProcessSight } from '../calls/sight.js';
import { cgroupPids } from '../kernel/pod-cgroups.js';
import { sightNote, type ContainerSight } from '../report/note.js';
import type { PodPlan } from './desired.js';

/** Programs remembered per pod (the note is clipped long before). */
const PER_POD = 64;

export class PodSights {
  private readonly byPod = new Map<string, Map<string, { readonly container: string; readonly sight: ProcessSight }>>();

  /**
   * The note for `plan`'s pod, after adding what `sightOf` says of the
   * processes in its containers now; '' for a pod whose calls are not probed.
   */
  note(plan: PodPlan, sightOf: (pid: number) => ProcessSight | undefined, pidsOf: (dir: string) => number[] = cgroupPids): string {
    if (!plan.needs.includes('tls-uprobes')) return '';
    let known = this.byPod.get(plan.facts.uid);
    if (!known) {
      known = new Map();
      this.byPod.set(plan.facts.uid, known);
    }
    for (const c of plan.resolution.containers) {
      // Only containers the pod's status names: the sandbox (pause) is a static program that never connects.
      const container = plan.facts.containerNames[c.containerId];
      if (container === undefined) continue;
      for (const pid of pidsOf(c.path)) {
        const sight = sightOf(pid);
        const key = sight ? `${container}\0${sight.exe}` : '';
        if (sight && !known.has(key) && known.size < PER_POD) known.set(key, { container, sight });
      }
    }
    const containers = new Map<string, ProcessSight[]>();
    for (const { container, sight } of known.values()) containers.set(container, [...(containers.get(container) ?? []), sight]);
    const list: ContainerSight[] = [...containers].map(([container, processes]) => ({ container, processes }));
    return sightNote(list, plan.set?.visibility === 'EgressOnly');
  }

  /** Forget the pods not in `uids` (gone from the node). */
  retain(uids: ReadonlySet<string>): void {
    for (const uid of this.byPod.keys()) if (!uids.has(uid)) this.byPod.delete(uid);
  }
}
