import { makeTelemetryFilterString, type LogLevel, type LogMetadata, type Logger as TemporalLogger } from '@temporalio/worker';
import type { Logger } from './logger';
import { isReplayDivergenceLog } from './replay';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK core's own log lines (Rust), forwarded to the runtime's logger rather than printed as plain text. */
export const FORWARD_CORE_LOGS = { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } };

/** Routes the Temporal SDK's own log lines into our JSON logs. */
export function temporalLoggerFrom(logger: Logger): TemporalLogger {
  // A replay's divergence is its reported result: logged as detail, not as a warning.
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) =>
    logger[isReplayDivergenceLog(message, meta) ? 'debug' : pinoLevel[level]](meta ?? {}, message);
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}
