// Assembling a root filesystem from this machine's files: ldd's output read right, paths and
// symlinks mirrored, every library a binary loads brought along, owners set in the tarball.
import {execFileSync} from 'node:child_process'
import {existsSync, lstatSync, mkdtempSync, readlinkSync, realpathSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {isElf, parseLdd, Rootfs, sharedLibraries, writeAccounts} from './rootfs.js'

const LDD_OUTPUT = `	linux-vdso.so.1 (0x00007ffd8a5f2000)
	libssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007f2d1c8e0000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2d1c6fe000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f2d1cb4c000)
`

describe('reading ldd', () => {
  it('lists every library by absolute path, the loader included, the vDSO left out', () => {
    expect(parseLdd(LDD_OUTPUT)).toEqual(['/lib/x86_64-linux-gnu/libssl.so.3', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'])
  })

  it('a library that is not installed is an error naming it', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found\n', '/usr/bin/thing')).toThrow('/usr/bin/thing needs libfoo.so.1, which is not installed on this machine')
  })

  it('a static binary needs nothing', () => {
    expect(parseLdd('\tstatically linked\n')).toEqual([])
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([])
  })

  it('reads the real ldd on this machine', async () => {
    const libs = await sharedLibraries(realpathSync('/bin/sh'))
    expect(libs.some((l) => /libc\.so/.test(l))).toBe(true)
    expect(libs.every((l) => l.startsWith('/'))).toBe(true)
  })
})

describe('a root filesystem from host files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-rootfs-test-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const rootfs = new Rootfs(join(dir, 'rootfs'))

  it('copies /bin/sh with the symlinks on its way and the libraries it loads, and it runs there', async () => {
    await rootfs.add('/bin/sh')
    writeAccounts(rootfs, [{name: 'app', uid: 1000, gid: 1000, home: '/home/app'}])
    const inside = (p: string) => join(rootfs.dir, p)
    // The host's symlinks are recreated as symlinks (merged /usr: /bin -> usr/bin; sh -> dash).
    if (lstatSync('/bin').isSymbolicLink()) expect(readlinkSync(inside('/bin'))).toBe(readlinkSync('/bin'))
    expect(lstatSync(inside('/bin/sh')).isSymbolicLink()).toBe(lstatSync('/bin/sh').isSymbolicLink())
    const real = realpathSync('/bin/sh')
    expect(existsSync(inside(real))).toBe(true)
    expect(statSync(inside(real)).mode & 0o111).not.toBe(0)
    for (const lib of await sharedLibraries(real)) expect(existsSync(inside(lib)), lib).toBe(true)
    expect(isElf(inside(real))).toBe(true)
    expect(isElf(inside('/etc/passwd'))).toBe(false)
    expect(rootfs.readFile('/etc/passwd')).toContain('app:x:1000:1000:app:/home/app:/bin/sh')
    // Nothing but what was asked for (and what it needs) is there.
    expect(existsSync(inside('/usr/bin/node'))).toBe(false)
    // The copied shell runs with the copied loader and libc (same machine, so it can).
    const loader = (await sharedLibraries(real)).find((l) => l.includes('ld-linux'))
    if (loader) {
      const out = execFileSync(inside(loader), ['--library-path', [...new Set((await sharedLibraries(real)).map((l) => inside(l).replace(/\/[^/]+$/, '')))].join(':'), inside(real), '-c', 'echo ok'], {encoding: 'utf8'})
      expect(out.trim()).toBe('ok')
    }
  })

  it('packs a tarball where everything is root\'s but the owned data directories', async () => {
    rootfs.ownedDir('/data', 999, 999, 0o700)
    rootfs.ownedDir('/home/app', 1000, 1000)
    const tar = join(dir, 'rootfs.tar')
    await rootfs.pack(tar)
    const listing = execFileSync('tar', ['-tvf', tar, '--numeric-owner'], {encoding: 'utf8'}).split('\n').filter(Boolean)
    const entry = (path: string) => listing.find((l) => l.endsWith(` ${path}`) || l.endsWith(` ${path}/`))
    expect(entry('./data')).toMatch(/^drwx------ 999\/999 /)
    expect(entry('./home/app')).toMatch(/^drwxr-xr-x 1000\/1000 /)
    expect(entry('./etc/passwd')).toMatch(/ 0\/0 /)
    expect(entry('./tmp')).toMatch(/^drwxrwxrwt 0\/0 /)
    // No path twice (docker import refuses duplicates).
    const names = listing.map((l) => l.split(' ').at(-1))
    expect(new Set(names).size).toBe(names.length)
  })
})
