// A TCP port for a debugger to listen on, for runs that pick their own (tests, transcripts).
import { createServer, type AddressInfo } from 'node:net';

/** A TCP port on localhost that nobody listens on now (the system picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
