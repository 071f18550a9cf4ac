/** One JSON object per line on stderr: time, level, component, message, fields. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export type LogFn = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

export function jsonLogger(component: string, out: NodeJS.WritableStream = process.stderr): LogFn {
  return (level, msg, fields = {}) => {
    out.write(`${JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields })}\n`);
  };
}
