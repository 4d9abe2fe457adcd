/**
 * Durable, atomic file commits. A file appears under its final name complete or not at all, and
 * is on disk before the call returns (fsync of the file and its folder), so a crash at any
 * instant leaves either the old state or the new one. Every commit and removal checks the publish
 * fence first: work that was superseded publishes nothing.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, fsync, linkSync, mkdirSync, openSync, promises as fs, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { passFence } from './fence';
import type { PublishCheck } from './fence';

/*
 * Committing and removing files, the calls that only touch metadata (mkdir of a folder that is
 * mostly there already, chmod, open, fstat, close, rename, link, unlink) are made synchronously:
 * each is one quick system call on a local disk, where the promise API sends each through
 * libuv's thread pool, queued behind DuckDB's statements, which run on that pool too (README,
 * Performance). Only the fsyncs, which wait for the disk, go through the pool. A lake on a
 * network mount, where such a call can take long, would stall the worker's event loop.
 */
const fsyncFd = promisify(fsync);

/**
 * Lake files and folders are the owner's only: they hold every client's raw messages. Readers
 * under other accounts (another engine, a BI tool) are granted access on purpose, with the file
 * system's own groups or ACLs, never by default.
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Creates a lake folder (and any missing parents) owner-only. */
export async function makeDir(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * A temporary name beside `finalPath` (same folder, so rename is atomic), unique to one write, so
 * two attempts never share one. Never ends in .parquet/.json, so no table reads it.
 */
export function tempPathFor(finalPath: string): string {
  return `${finalPath}.tmp-${randomUUID()}`;
}

/** Flushes a file, or a folder's entries, to disk; then `then` may look at it while it is open. */
async function synced<T>(p: string, then: (fd: number) => T): Promise<Awaited<T>> {
  const fd = openSync(p, 'r');
  try {
    await fsyncFd(fd);
    // Awaited here, so the descriptor stays open until `then` is done with it.
    return await then(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a file, or a folder's entries, to disk. */
export async function fsyncPath(p: string): Promise<void> {
  await synced(p, () => undefined);
}

/**
 * Moves a finished temp file into place, replacing any earlier version. Drops it if refused.
 * Returns the identity of the file it put in place (a rename keeps it), whatever replaces it later.
 */
export async function commitFile(tempPath: string, finalPath: string): Promise<string> {
  let identity: string;
  try {
    chmodSync(tempPath, FILE_MODE);
    identity = await synced(tempPath, (fd) => identityOf(fstatSync(fd, { bigint: true })));
    await passFence();
    renameSync(tempPath, finalPath);
  } catch (e) {
    rmSync(tempPath, { force: true });
    throw e;
  }
  await fsyncPath(path.dirname(finalPath));
  return identity;
}

/** Removes a published file (a table's file that is now empty, or a compensated batch's). */
export async function removeFile(finalPath: string): Promise<void> {
  await passFence();
  rmSync(finalPath, { force: true });
}

/**
 * Moves a finished temp file into place only if nothing is there yet. Returns false (and drops
 * the temp file) when another attempt got there first; the caller then uses what is there.
 */
export async function commitFileIfAbsent(tempPath: string, finalPath: string): Promise<boolean> {
  try {
    chmodSync(tempPath, FILE_MODE);
    await fsyncPath(tempPath);
    await passFence();
    linkSync(tempPath, finalPath);
    await fsyncPath(path.dirname(finalPath));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tempPath, { force: true });
  }
}

export async function writeJsonAtomically(finalPath: string, value: unknown, { onlyIfAbsent = false } = {}): Promise<boolean> {
  await makeDir(path.dirname(finalPath));
  const temp = tempPathFor(finalPath);
  try {
    await fs.writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: FILE_MODE });
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
  if (onlyIfAbsent) return commitFileIfAbsent(temp, finalPath);
  await commitFile(temp, finalPath);
  return true;
}

export async function readJsonIfExists<T>(p: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(p, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function listFiles(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((name) => name.endsWith(suffix)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * One version of a file: its device, inode, size and modification time, or null when there is
 * none. A file rewritten or replaced since (write-then-rename makes a new inode) has another.
 */
export async function fileIdentity(p: string): Promise<string | null> {
  try {
    return identityOf(await fs.stat(p, { bigint: true }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * A publish check that refuses once `p` is no longer the version it is now (rewritten, replaced,
 * created or removed since): work made from a file publishes only while the file is as it read it.
 */
export function unchangedSince(p: string): PublishCheck {
  return unchangedBy(p, fileIdentityNow);
}

/**
 * A publish check that refuses once the folder `dir` (where its link leads, if it is one) had an
 * entry added, removed or replaced since: work made from a folder's files publishes only while
 * the folder is as it read it.
 */
export function folderUnchangedSince(dir: string): PublishCheck {
  return unchangedBy(dir, folderIdentityNow);
}

/** A check that `p`'s identity is still what it is now. Synchronous, like the rename that follows the check: nothing runs between the two. */
function unchangedBy(p: string, identityNow: (p: string) => string | null): PublishCheck {
  const before = identityNow(p);
  return () => (identityNow(p) === before ? Promise.resolve() : Promise.reject(new Error(`${p} changed while this work read it: it publishes nothing`)));
}

/**
 * Where the folder leads, the folder's own version and its entries' names: a file added, removed
 * or replaced by a rename changes the folder's modification time, and the names catch what a
 * change within the same clock tick would hide. One call per entry would make the check (which
 * blocks the event loop, as it must to be next to the rename) grow with the folder.
 */
function folderIdentityNow(dir: string): string | null {
  let real: string;
  let names: string[];
  try {
    real = realpathSync(dir);
    names = readdirSync(real).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return [real, fileIdentityNow(real), ...names].join('\n');
}

function fileIdentityNow(p: string): string | null {
  const s = statSync(p, { bigint: true, throwIfNoEntry: false });
  return s ? identityOf(s) : null;
}

function identityOf(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
