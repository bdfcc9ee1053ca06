/**
 * What a failed file operation means, in words, for messages a person reads: `no such file (ENOENT)`
 * rather than a bare `ENOENT`. The disk problems (full, quota, I/O, read-only) are the spool's too.
 */
export const DISK_PROBLEMS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EIO: 'the disk failed (I/O error)',
  EROFS: 'the file system is read-only',
};

const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ...DISK_PROBLEMS,
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of its path is not a folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links in its path',
  EMFILE: 'too many files open',
};

/** The problem in words with its code (`no such file (ENOENT)`), or the error's own message when its code is not one of these. */
export function fileErrorWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words = code === undefined ? undefined : FILE_PROBLEMS[code];
  if (words !== undefined) return `${words} (${code})`;
  return code ?? (err as Error).message;
}
