import { FileTokenStore } from '../../src/core/auth/stores/file.js';
import { Box } from '../../src/providers/box/index.js';

/**
 * One worker of the Box JWT store test, in its own process: signs in with the app's config file, sharing
 * the token file with the other workers, and makes `rounds` requests; prints the user id it saw.
 *
 * argv: apiUrl configFile storePath rounds
 */
const [apiUrl, configFile, storePath, rounds] = process.argv.slice(2) as [string, string, string, string];
const box = new Box({
  apiUrl,
  jwtConfigFile: configFile,
  tokenStore: new FileTokenStore(storePath, { lockTimeoutMs: 60_000 }),
});
let id = '';
for (let i = 0; i < Number(rounds); i++) id = (await box.getAccountInfo()).id;
await box.close();
process.stdout.write(id);
