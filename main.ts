/**
 * Entry point: read the configuration, build the service, serve it, register background jobs.
 * Wiring only.
 *
 * @module
 */

import { buildService } from "./src/bootstrap.ts";
import { loadConfig, processEnv } from "./src/config.ts";
import { gracefulShutdown, RequestDrain } from "./src/http/shutdown.ts";
import { createLogger } from "./src/log.ts";

const config = loadConfig(processEnv());
const log = createLogger(config.logLevel);
const built = await buildService(config, log);

// Every minute; the job itself decides whether the configured interval (GPU_SYNC_INTERVAL_MINUTES,
// changeable through POST /gpu/config) has passed, so the schedule can change at run time.
Deno.cron("promote fresh patterns to the GPU tier", "* * * * *", async () => {
  await built.sync.cronTick();
});

Deno.cron("purge expired sessions", "* * * * *", async () => {
  // A store fault must not end the process: the next minute's purge tries again.
  const purged = await built.sessions.purgeExpired().catch((error) => {
    log.warn(`Cannot purge expired sessions: ${error}`);
    return 0;
  });
  if (purged > 0) log.info(`Purged ${purged} expired sessions`);
});

const drain = new RequestDrain();
const server = Deno.serve({
  port: config.port,
  hostname: config.hostname,
  onListen: ({ hostname, port }) =>
    log.info(`kato-gpu listening on http://${hostname}:${port} (engine: ${built.indexes.describe()})`),
}, drain.wrap(built.app.fetch));

const shutdown = gracefulShutdown({ server, drain, close: built.close, timeoutMs: config.shutdownTimeoutMs, log });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void shutdown(signal).then((code) => Deno.exit(code)));
}
