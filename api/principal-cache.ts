import { Client } from 'pg';
import type { Principal } from '../lib/identity';
import type { Logger } from '../lib/logger';

/** Who a token is, as the cache keeps it: the principal, and when the entry must be read again. */
interface Entry {
  principal: Principal;
  until: number;
}

export interface PrincipalCache {
  /** The principal behind a token: from the cache while nothing has changed, else read afresh. */
  get(token: string): Promise<Principal | undefined>;
  /** Forgets every principal: for a change this process has just made, before it answers. */
  invalidate(): void;
  stop(): Promise<void>;
}

export interface PrincipalCacheOptions {
  databaseUrl: string;
  logger: Logger;
  lookup: (token: string) => Promise<{ principal: Principal; expiresAt: Date | null } | undefined>;
  /** The longest an entry is kept, changes or not. */
  maxAgeMs?: number;
  /** How often the listening connection is asked whether it is alive. */
  heartbeatMs?: number;
  size?: number;
}

/**
 * Who each token is, kept between requests without a cache period: every change to a token, user or
 * grant is announced by PostgreSQL (`access_changed`, the triggers of migration
 * 20261207170000_access_changes) and empties the cache, whichever process or command made it. While
 * the listening connection is down, or until it answers a heartbeat again, nothing is served from the
 * cache: every request reads afresh, so a lost announcement cannot leave a revoked token working.
 */
export function principalCache(options: PrincipalCacheOptions): PrincipalCache {
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const size = options.size ?? 10_000;
  const entries = new Map<string, Entry>();
  let listening = false;
  /** Moves on every change heard: a read begun before one is not kept. */
  let generation = 0;
  let stopped = false;
  let client: Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;

  const forget = () => {
    entries.clear();
    generation += 1;
  };
  const lost = (why: unknown) => {
    listening = false;
    forget();
    clearInterval(heartbeat);
    const old = client;
    client = undefined;
    void old?.end().catch(() => undefined);
    if (stopped) return;
    options.logger.warn(
      { err: why instanceof Error ? why.message : String(why) },
      'not hearing access changes: tokens are read afresh until it is back',
    );
    retry = setTimeout(() => void listen(), 1_000);
    retry.unref();
  };
  const beat = () => {
    const asked = client;
    if (!asked) return;
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the listening connection did not answer')), Math.min(2_000, heartbeatMs));
    });
    Promise.race([asked.query('SELECT 1'), silent])
      .catch((err: unknown) => {
        if (client === asked) lost(err);
      })
      .finally(() => clearTimeout(timer));
  };
  const listen = async () => {
    if (stopped) return;
    const connecting = new Client({ connectionString: options.databaseUrl, application_name: 'hg-access-listener' });
    connecting.on('notification', forget);
    connecting.on('error', (err) => {
      if (client === connecting) lost(err);
    });
    connecting.on('end', () => {
      if (client === connecting) lost('the listening connection ended');
    });
    client = connecting;
    try {
      await connecting.connect();
      await connecting.query('LISTEN access_changed');
      if (client !== connecting) return;
      // Whatever changed while nobody listened is forgotten with the rest.
      forget();
      listening = true;
      heartbeat = setInterval(beat, heartbeatMs);
      heartbeat.unref();
    } catch (err) {
      if (client === connecting) lost(err);
    }
  };
  void listen();

  return {
    async get(token) {
      const now = Date.now();
      const kept = listening ? entries.get(token) : undefined;
      if (kept && kept.until > now) return kept.principal;
      const before = generation;
      const found = await options.lookup(token);
      entries.delete(token);
      if (!found) return undefined;
      if (listening && before === generation) {
        if (entries.size >= size) entries.delete(entries.keys().next().value as string);
        entries.set(token, { principal: found.principal, until: Math.min(now + maxAgeMs, found.expiresAt?.getTime() ?? Infinity) });
      }
      return found.principal;
    },
    invalidate: forget,
    async stop() {
      stopped = true;
      listening = false;
      clearInterval(heartbeat);
      clearTimeout(retry);
      forget();
      const old = client;
      client = undefined;
      await old?.end().catch(() => undefined);
    },
  };
}
