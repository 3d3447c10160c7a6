// A root filesystem assembled from this machine's own files (a binary, the libraries `ldd` lists,
// /bin/sh), packed as a tarball for `docker import`. It is how a host with no registry gets base
// images: nothing is downloaded. Paths mirror the host's layout, symlinks included (a merged-/usr
// Debian has /lib -> usr/lib), so the dynamic loader finds every library where it was linked.
import {execFile} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync, openSync, readSync, closeSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

export interface OwnedPath {
  /** Absolute path inside the image. */
  path: string
  uid: number
  gid: number
}

/** The libraries a dynamically linked binary loads, from `ldd` output (absolute host paths). */
export function parseLdd(output: string, binary = 'the binary'): string[] {
  const libs: string[] = []
  for (const raw of output.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('linux-vdso') || line.startsWith('statically linked') || line.includes('not a dynamic executable')) continue
    if (line.includes('=> not found')) throw new Error(`${binary} needs ${line.split(' ')[0]}, which is not installed on this machine`)
    const arrow = /=>\s*(\/\S+)/.exec(line)
    const direct = /^(\/\S+)\s+\(0x/.exec(line)
    const path = arrow?.[1] ?? direct?.[1]
    if (path) libs.push(path)
  }
  return libs
}

export async function sharedLibraries(binary: string): Promise<string[]> {
  try {
    const {stdout} = await run('ldd', [binary], {encoding: 'utf8'})
    return parseLdd(stdout, binary)
  } catch (err) {
    // ldd exits 1 for a static binary ("not a dynamic executable"): it needs no libraries.
    const stdout = String((err as {stdout?: unknown}).stdout ?? '') + String((err as {stderr?: unknown}).stderr ?? '')
    if (stdout.includes('not a dynamic executable') || stdout.includes('statically linked')) return []
    throw err
  }
}

export function isElf(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const magic = Buffer.alloc(4)
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
  } finally {
    closeSync(fd)
  }
}

export class Rootfs {
  readonly owned: OwnedPath[] = []
  private readonly copied = new Set<string>()

  /** `dir` must be empty (a fresh temp dir). */
  constructor(readonly dir: string, private readonly hostRoot = '/') {}

  private inside(path: string): string {
    return join(this.dir, path)
  }

  /**
   * Copies a host path (file or directory tree) to the same path in the image, recreating every
   * symlink met on the way; ELF files bring the libraries they load.
   */
  async add(hostPath: string, filter: (path: string) => boolean = () => true): Promise<void> {
    const path = resolve('/', hostPath)
    if (this.copied.has(path)) return
    this.copied.add(path)
    // Walk the components: a symlinked component is recreated as a symlink, then followed.
    const parts = path.split('/').filter(Boolean)
    let current = '/'
    for (let i = 0; i < parts.length; i++) {
      const next = join(current, parts[i])
      const st = lstatSync(join(this.hostRoot, next))
      if (st.isSymbolicLink()) {
        const target = readlinkSync(join(this.hostRoot, next))
        this.symlink(next, target)
        return this.add(join(resolve(current, target), ...parts.slice(i + 1)), filter)
      }
      if (i < parts.length - 1) {
        this.mkdir(next, st.mode & 0o7777)
        current = next
        continue
      }
      if (st.isDirectory()) {
        this.mkdir(next, st.mode & 0o7777)
        for (const entry of readdirSync(join(this.hostRoot, next))) {
          const child = join(next, entry)
          if (filter(child)) await this.add(child, filter)
        }
      } else if (st.isFile()) {
        mkdirSync(dirname(this.inside(next)), {recursive: true})
        copyFileSync(join(this.hostRoot, next), this.inside(next))
        chmodSync(this.inside(next), st.mode & 0o7777)
        if (isElf(join(this.hostRoot, next))) for (const lib of await sharedLibraries(join(this.hostRoot, next))) await this.add(lib)
      }
    }
  }

  mkdir(path: string, mode = 0o755): void {
    const target = this.inside(path)
    if (!existsSync(target)) {
      mkdirSync(target, {recursive: true})
      chmodSync(target, mode)
    }
  }

  symlink(path: string, target: string): void {
    const at = this.inside(path)
    if (existsSync(at) || isDanglingLink(at)) return
    mkdirSync(dirname(at), {recursive: true})
    symlinkSync(target, at)
  }

  writeFile(path: string, content: string, mode = 0o644): void {
    const target = this.inside(path)
    mkdirSync(dirname(target), {recursive: true})
    writeFileSync(target, content)
    chmodSync(target, mode)
  }

  readFile(path: string): string {
    return readFileSync(this.inside(path), 'utf8')
  }

  /** An empty directory that belongs to a non-root user inside the image (data dirs). */
  ownedDir(path: string, uid: number, gid: number, mode = 0o755): void {
    this.mkdir(path, mode)
    chmodSync(this.inside(path), mode)
    this.owned.push({path, uid, gid})
  }

  /**
   * The tarball `docker import` takes. Everything is root's except `owned` directories: two GNU tar
   * passes (create, then append) set owners without needing root here.
   */
  async pack(tarFile: string): Promise<void> {
    const owned = this.owned.map((o) => `.${o.path}`)
    await run('tar', ['-c', '-f', tarFile, '--numeric-owner', '--owner=0', '--group=0', ...owned.map((p) => `--exclude=${p}`), '-C', this.dir, '.'])
    for (const o of this.owned) {
      await run('tar', ['-r', '-f', tarFile, '--no-recursion', '--numeric-owner', `--owner=${o.uid}`, `--group=${o.gid}`, '-C', this.dir, `.${o.path}`])
    }
  }
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

/** /etc/passwd, /etc/group and name lookup for a minimal image; users beyond root as given. */
export function writeAccounts(rootfs: Rootfs, users: Array<{name: string; uid: number; gid: number; home: string}>): void {
  const all = [{name: 'root', uid: 0, gid: 0, home: '/root'}, ...users]
  rootfs.writeFile('/etc/passwd', all.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home}:/bin/sh`).join('\n') + '\n')
  rootfs.writeFile('/etc/group', all.map((u) => `${u.name}:x:${u.gid}:`).join('\n') + '\n')
  rootfs.writeFile('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n')
  rootfs.mkdir('/tmp', 0o1777)
  rootfs.mkdir('/root', 0o700)
}
