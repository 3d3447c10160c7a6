import {appendFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {tempStateDir} from '../../../test/support/fixture-lab.js'
import {followLines, lastLines} from './log-files.js'

describe('log files', () => {
  let home: ReturnType<typeof tempStateDir>
  let file: string
  beforeEach(() => {
    home = tempStateDir()
    file = join(home.dir, 'x.log')
  })
  afterEach(() => home.remove())

  it('returns the last N lines, also across read chunks, and nothing for a missing file', async () => {
    expect(await lastLines(file, 5)).toEqual({lines: [], size: 0})
    const all = Array.from({length: 20_000}, (_, i) => `line ${i} ${'x'.repeat(20)}`)
    writeFileSync(file, all.join('\n') + '\n')
    const {lines} = await lastLines(file, 3000)
    expect(lines).toEqual(all.slice(-3000))
    expect((await lastLines(file, 1)).lines).toEqual([all.at(-1)])
    expect((await lastLines(file, 0)).lines).toEqual([])
    writeFileSync(file, 'a\nb\npartial')
    expect((await lastLines(file, 2)).lines).toEqual(['b', 'partial'])
  })

  it('follows appended lines (whole lines only), copes with truncation, stops on abort', async () => {
    writeFileSync(file, 'old\n')
    const stop = new AbortController()
    const seen: string[] = []
    const done = (async () => {
      for await (const line of followLines(file, 4, stop.signal, 20)) seen.push(line)
    })()
    const until = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10))
    }
    appendFileSync(file, 'one\ntw')
    await until(1)
    appendFileSync(file, 'o\n')
    await until(2)
    writeFileSync(file, 'fresh\n') // truncated and rewritten (e.g. a purge)
    await until(3)
    stop.abort()
    await done
    expect(seen).toEqual(['one', 'two', 'fresh'])
  })
})
