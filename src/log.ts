// JSON logs (pino). Secrets never reach a log line: callers log names of Secrets, never contents,
// and the redact list below catches the field names a credential would travel under.
import { pino } from 'pino';

export const log = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { component: 'acd-operator' },
  redact: { paths: ['password', '*.password', 'privateKey', '*.privateKey', 'token', '*.token'], censor: '[redacted]' },
});
export type Logger = typeof log;
