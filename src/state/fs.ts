/**
 * The narrow file-system surface the state store needs. Everything goes through it so tests can
 * record the order of writes/fsyncs/renames and inject failures (ENOSPC, a crash before rename).
 * nodeStateFs() is the real implementation, kept at this edge.
 */
import { close as closeCb, constants, fdatasync as fdatasyncCb, open as openCb, promises as fsp, write as writeCb } from 'node:fs';
import { promisify } from 'node:util';

const openFd = promisify(openCb);
const writeFd = (fd: number, buf: Buffer, off: number, len: number): Promise<number> =>
  new Promise((resolve, reject) => writeCb(fd, buf, off, len, null, (err, n) => (err ? reject(err) : resolve(n))));
const datasyncFd = promisify(fdatasyncCb);
const closeFd = promisify(closeCb);

export interface FileHandleLike {
  /** Writes the whole string (UTF-8) from the start of the file. */
  writeAll(data: string): Promise<void>;
  /** fsync(2). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A file opened for appending (O_WRONLY|O_APPEND|O_CREAT): the state log. */
export interface AppendHandleLike {
  /** Appends the whole string (UTF-8) at the end of the file, in one write(2) where the OS allows. */
  append(data: string): Promise<void>;
  /** fdatasync(2): the appended data (and the file's size) are durable. */
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileStat {
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface StateFs {
  /** File contents, or null when it does not exist. */
  readFile(path: string): Promise<string | null>;
  /** null when it does not exist. */
  stat(path: string): Promise<FileStat | null>;
  mkdirp(dir: string): Promise<void>;
  /**
   * 'w' truncates/creates; 'wx' creates exclusively (O_CREAT|O_EXCL) and rejects with code EEXIST
   * when the file exists — the cross-process mutual exclusion primitive.
   */
  open(path: string, flags: 'w' | 'wx'): Promise<FileHandleLike>;
  rename(from: string, to: string): Promise<void>;
  /** Hard link; may reject (EPERM/ENOTSUP/EXDEV) on file systems without links — callers fall back to copy. */
  link(existing: string, newPath: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  /** Resolves quietly when the file does not exist. */
  unlink(path: string): Promise<void>;
  /** fsync the directory so a rename in it is durable. */
  fsyncDir(dir: string): Promise<void>;
  /** Opens (creating, mode 0600) a file for appending. */
  openAppend(path: string): Promise<AppendHandleLike>;
}

export function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: string }).code ?? undefined) : undefined;
}

export function nodeStateFs(): StateFs {
  return {
    async readFile(p) {
      try {
        return await fsp.readFile(p, 'utf8');
      } catch (err) {
        if (errCode(err) === 'ENOENT') return null;
        throw err;
      }
    },
    async stat(p) {
      try {
        const s = await fsp.stat(p);
        return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
      } catch (err) {
        if (errCode(err) === 'ENOENT') return null;
        throw err;
      }
    },
    async mkdirp(dir) {
      await fsp.mkdir(dir, { recursive: true });
    },
    async open(p, flags) {
      const mode = flags === 'wx' ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL : 'w';
      const fh = await fsp.open(p, mode, 0o600);
      return {
        async writeAll(data) {
          await fh.writeFile(data, 'utf8');
        },
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    },
    rename: (a, b) => fsp.rename(a, b),
    link: (a, b) => fsp.link(a, b),
    copyFile: (a, b) => fsp.copyFile(a, b),
    async unlink(p) {
      try {
        await fsp.unlink(p);
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw err;
      }
    },
    async openAppend(p) {
      // A plain descriptor, not a FileHandle: it stays open between appends (one per journal write)
      // and is never closed behind our back by the garbage collector.
      const fd = await openFd(p, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
      let closed = false;
      return {
        async append(data) {
          const buf = Buffer.from(data, 'utf8');
          let off = 0;
          while (off < buf.length) off += await writeFd(fd, buf, off, buf.length - off);
        },
        datasync: () => datasyncFd(fd),
        async close() {
          if (closed) return;
          closed = true;
          await closeFd(fd);
        },
      };
    },
    async fsyncDir(dir) {
      const fh = await fsp.open(dir, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
  };
}
