/**
 * A2A JSON-RPC method names. Protocol 0.x uses slash names (`message/send`),
 * 1.0 uses PascalCase names (`SendMessage`). Rules and requests are compared
 * on the canonical slash name, so a rule written either way covers both.
 */
const V1_TO_SLASH: Readonly<Record<string, string>> = {
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
};

/** Every method name the A2A specifications define, canonical (slash) form. */
export const A2A_METHODS: readonly string[] = [...new Set(Object.values(V1_TO_SLASH))];

export function canonicalA2aMethod(name: string): string {
  return Object.prototype.hasOwnProperty.call(V1_TO_SLASH, name) ? (V1_TO_SLASH[name] ?? name) : name;
}

/** The canonical name and every alias of it (what the kernel may see on the wire). */
export function a2aSpellings(name: string): string[] {
  const canonical = canonicalA2aMethod(name);
  return [canonical, ...Object.keys(V1_TO_SLASH).filter((k) => V1_TO_SLASH[k] === canonical)];
}
