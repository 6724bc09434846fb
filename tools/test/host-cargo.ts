// `cargo test` on the host, for the pure modules of a chapter's kernel and of its ulib.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildDir } from '../src/paths';
import { loadToolchain } from '../src/setup';

const execFileAsync = promisify(execFile);

/** Runs `cargo test --locked` in `crateDir` and returns what it printed; a failure is an Error with all of it. */
export async function hostCargoTest(crateDir: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(loadToolchain().hostCargo, ['test', '--locked'], {
      cwd: crateDir,
      env: {
        ...process.env,
        // Host builds get a target folder of their own, so they never wait for a kernel build's lock.
        CARGO_TARGET_DIR: path.join(buildDir, 'cargo-host'),
        // Without debugging information: a third less compiling, and a failed assertion still
        // names its file and line (the panic's location is not debugging information).
        CARGO_PROFILE_DEV_DEBUG: 'false',
      },
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`cargo test failed in ${crateDir}:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`);
  }
}
