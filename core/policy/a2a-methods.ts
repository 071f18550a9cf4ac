/**
 * A2A JSON-RPC method names. Protocol 0.2/0.3 use slash names
 * (`message/send`), 1.0 uses PascalCase names (`SendMessage`), 0.1 had
 * `tasks/send` and `tasks/pushNotification/*` for what became
 * `message/send` and `tasks/pushNotificationConfig/*`. Rules and requests
 * are compared on the canonical (0.3 slash) name, so a rule written any way
 * covers every spelling a server of any version runs.
 */
const ALIAS_TO_SLASH: Readonly<Record<string, string>> = {
  SendMessage: 'message/send',
  SendStreamingMessage: 'message/stream',
  GetTask: 'tasks/get',
  ListTasks: 'tasks/list',
  CancelTask: 'tasks/cancel',
  SubscribeToTask: 'tasks/resubscribe',
  CreateTaskPushNotificationConfig: 'tasks/pushNotificationConfig/set',
  SetTaskPushNotificationConfig: 'tasks/pushNotificationConfig/set',
  GetTaskPushNotificationConfig: 'tasks/pushNotificationConfig/get',
  ListTaskPushNotificationConfigs: 'tasks/pushNotificationConfig/list',
  ListTaskPushNotificationConfig: 'tasks/pushNotificationConfig/list',
  DeleteTaskPushNotificationConfig: 'tasks/pushNotificationConfig/delete',
  GetExtendedAgentCard: 'agent/getAuthenticatedExtendedCard',
  // A2A 0.1
  'tasks/send': 'message/send',
  'tasks/sendSubscribe': 'message/stream',
  'tasks/pushNotification/set': 'tasks/pushNotificationConfig/set',
  'tasks/pushNotification/get': 'tasks/pushNotificationConfig/get',
};

/** Every method name the A2A specifications define, canonical (slash) form. */
export const A2A_METHODS: readonly string[] = [...new Set(Object.values(ALIAS_TO_SLASH))];

export function canonicalA2aMethod(name: string): string {
  return Object.prototype.hasOwnProperty.call(ALIAS_TO_SLASH, name) ? (ALIAS_TO_SLASH[name] ?? name) : name;
}

/** The canonical name and every alias of it (what the kernel may see on the wire). */
export function a2aSpellings(name: string): string[] {
  const canonical = canonicalA2aMethod(name);
  return [canonical, ...Object.keys(ALIAS_TO_SLASH).filter((k) => ALIAS_TO_SLASH[k] === canonical)];
}

/**
 * Is this method name judged as an A2A call: a name A2A defines, or one in
 * A2A's name spaces (`message/`, `tasks/`, `agent/`, or PascalCase as in
 * 1.0) that a newer or extended A2A server may run. The kernel reads names
 * the same way (bpf/lib/call.h, za2a_like), so both judge the same messages.
 * (MCP's own `tasks/*` requests are told apart by their parameters: jsonrpc.ts.)
 */
export function isA2aLikeMethod(name: string): boolean {
  if (A2A_METHODS.includes(canonicalA2aMethod(name))) return true;
  return /^[A-Z]/.test(name) || /^(?:message|tasks|agent)\//.test(name);
}
