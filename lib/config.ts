import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port, e.g. localhost:7233');
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgresql:// connection URL');
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** What the worker and the API need: both must be told where Temporal and the database are. */
export const appConfigSchema = z
  .object({
    DATABASE_URL: postgresUrl,
    TEMPORAL_ADDRESS: hostPort,
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('housing-governance'),
    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: port.default(3000),
    LOG_LEVEL: logLevel.default('info'),
    /** API processes sharing API_PORT (Node's cluster): reads are bounded by one process's thread, so more cores serve more. */
    API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
    /** Requests a second per API token (a burst of API_RATE_LIMIT_BURST first); beyond it 429 with Retry-After. */
    API_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(100),
    API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(400),
    /** Process-view queries to Temporal at once per API process (API_QUERY_QUEUE more wait); beyond, 503 with Retry-After. */
    API_QUERY_CONCURRENCY: z.coerce.number().int().min(1).default(32),
    API_QUERY_QUEUE: z.coerce.number().int().min(0).default(256),
    /** A prebuilt workflow bundle (production); without it the worker bundles from source. */
    WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
    /**
     * How many processes the worker keeps in memory. Processes wait weeks between steps, so one evicted
     * is replayed from its history at its next step; the bound keeps the worker's memory flat however
     * many processes are open (see the README's Performance section).
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(100),
    /**
     * Where the worker serves `/metrics` (Prometheus): with it set, the worker counts its work and the
     * Temporal SDK serves its own metrics on loopback at WORKER_SDK_METRICS_PORT (default the next port),
     * added to the same page. Unset: no metrics server.
     */
    WORKER_METRICS_PORT: port.optional(),
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    WORKER_SDK_METRICS_PORT: port.optional(),
    /** Where email goes; without it the worker logs each message instead of sending it. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/\S+$/, 'expected smtp://host:port or smtps://user:pass@host:port')
      .optional(),
    MAIL_FROM: z.string().min(3).default('housing-governance <no-reply@localhost>'),
    /** Signs the web pages' session cookies; the same in every API process. Without it the web pages are off. */
    WEB_SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    /** `Secure` session cookies (HTTPS only): on unless the service is reached over plain HTTP on one machine. */
    WEB_SECURE_COOKIES: z.enum(['true', 'false']).default('true'),
    /** A web session ends after this long without a page, and this long after signing in. */
    WEB_SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    WEB_SESSION_HOURS: z.coerce.number().int().min(1).max(24).default(10),
    /** Where people reach the service (https://housing.example.gov.uk): the base of the sign-in links emailed to residents' representatives. Default: the API's own address. */
    WEB_PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /**
     * The council's identity provider (OpenID Connect): with the four set, people sign in with it
     * (authorisation code + PKCE); without them, with an API token. For Microsoft Entra ID the issuer
     * is tenant-specific: https://login.microsoftonline.com/<tenant id>/v2.0.
     */
    OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** The web service's callback as registered with the provider: https://<host>/app/sign-in/callback. */
    OIDC_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
    /** The ID token claim that names a person for good (Entra ID: `oid`; `sub` differs per application there). */
    OIDC_SUBJECT_CLAIM: z.string().min(1).default('sub'),
  })
  .superRefine((config, ctx) => {
    const oidc = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URI'] as const;
    const set = oidc.filter((name) => config[name] !== undefined);
    if (set.length > 0 && set.length < oidc.length)
      for (const name of oidc.filter((n) => config[n] === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `needed with ${set.join(', ')}: set all four, or none for API-token sign-in`,
        });
  });
export type AppConfig = z.infer<typeof appConfigSchema>;

/** What `npm start` needs to decide what to run locally; unset addresses mean "start our own". */
export const launcherConfigSchema = z.object({
  HG_DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: postgresUrl.optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
});
export type LauncherConfig = z.infer<typeof launcherConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment once, at start-up; a bad value names the variable and what was expected. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // An empty variable means "not set", as in most shells' `VAR= command`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}
