// report.html opened in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): it must render offline, fetch nothing, and every chart must be an SVG with a
// mark per data series. Skipped, with the reason printed, only where Chromium is not installed.
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {chromium, type Browser, type Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {breakerSegments} from './charts.js'
import {benchSpikeReport, chaosKillRedisReport} from './fixtures/fixture-reports.js'
import {renderHtml} from './html.js'
import {writeReportOutputs} from './outputs.js'
import type {Report} from './schema.js'

const CHROMIUM = '/usr/bin/chromium'
const chromiumMissing = !existsSync(CHROMIUM)
if (chromiumMissing) console.warn(`[html.test] browser checks skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`)

// From the machine notes: flags under which Debian's Chromium starts headless here without
// reaching for the network.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalelab-html-'))
})
afterAll(async () => {
  // KEEP_TEST_OUTPUT=1 leaves the pages and screenshots for a person to look at.
  if (process.env.KEEP_TEST_OUTPUT === '1') console.log(`[html.test] output kept in ${dir}`)
  else await rm(dir, {recursive: true, force: true})
})

describe('report.html as text', () => {
  it('is one self-contained file: no script, no external reference, a CSP that forbids fetching', async () => {
    const html = await renderHtml(benchSpikeReport())
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//i)
    expect(html).not.toMatch(/@import|url\(/i)
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
    expect((html.match(/<svg /g) ?? []).length).toBe(5)
  })

  it('escapes everything that comes from the report, in the page and inside the charts', async () => {
    const report = benchSpikeReport()
    const evil = '<script>alert(1)</script>'
    report.scenario.description = `desc ${evil}`
    report.phases[0].name = `warm${evil}`
    for (const second of report.series) if (second.phase === 'warmup') second.phase = report.phases[0].name
    report.system.totals.perInstanceRequests = {[`api-1${evil}`]: 5, ...report.system.totals.perInstanceRequests}
    const html = await renderHtml(report)
    expect(html).not.toContain('<script>')
    expect(html).toContain('desc &lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('writeReportOutputs writes report.md, report.html and junit.xml beside report.json', async () => {
    const runDir = join(dir, 'outputs')
    await rm(runDir, {recursive: true, force: true})
    await mkdir(runDir)
    const paths = await writeReportOutputs(benchSpikeReport(), runDir)
    expect(paths).toEqual([join(runDir, 'report.md'), join(runDir, 'report.html'), join(runDir, 'junit.xml')])
    expect((await readFile(paths[0], 'utf8')).startsWith('# ❌ FAILED')).toBe(true)
    expect(await readFile(paths[1], 'utf8')).toMatch(/^<!doctype html>/)
    expect(await readFile(paths[2], 'utf8')).toMatch(/^<\?xml/)
  })
})

describe.skipIf(chromiumMissing)('report.html in headless Chromium', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await chromium.launch({executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS})
  })
  afterAll(async () => {
    await browser?.close()
  })

  async function open(report: Report, name: string): Promise<{page: Page; requests: string[]; problems: string[]; close: () => Promise<void>}> {
    const runDir = join(dir, name)
    await mkdir(runDir, {recursive: true})
    await writeReportOutputs(report, runDir)
    // Offline: any attempt to reach the network fails, and is recorded.
    const context = await browser.newContext({offline: true, viewport: {width: 1000, height: 900}})
    const page = await context.newPage()
    const requests: string[] = []
    const problems: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))
    await page.goto(pathToFileURL(join(runDir, 'report.html')).href, {waitUntil: 'load'})
    return {page, requests, problems, close: () => context.close()}
  }

  const countIn = (page: Page, chart: string, selector: string) => page.locator(`figure[data-chart="${chart}"] svg ${selector}`).count()

  it('renders the bench report offline with a mark for every series, and a screenshot', async () => {
    const report = benchSpikeReport()
    const {page, requests, problems, close} = await open(report, 'bench')
    try {
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([])
      expect(problems).toEqual([])
      await expect(page.locator('header.verdict h1').innerText()).resolves.toBe('FAILED · bench spike-10x — 2 of 5 checks failed')

      for (const chart of ['latency', 'throughput', 'cache', 'breakers', 'instances']) {
        const box = await page.locator(`figure[data-chart="${chart}"] svg`).boundingBox()
        expect(box, chart).not.toBeNull()
        expect(box!.width, chart).toBeGreaterThan(300)
        expect(box!.height, chart).toBeGreaterThan(80)
      }
      const phases = report.phases.length
      // Latency: one line per percentile, one shaded band per phase.
      expect(await countIn(page, 'latency', 'g.mark-line path')).toBe(3)
      expect(await countIn(page, 'latency', 'g.mark-rect path')).toBe(phases)
      // Throughput: one stacked area per outcome that occurred (ok, 429, 4xx, 5xx, socket errors, timeouts) and the target line.
      expect(await countIn(page, 'throughput', 'g.mark-area path')).toBe(6)
      expect(await countIn(page, 'throughput', 'g.mark-line path')).toBe(1)
      // Cache: both layers, L1 and L2.
      expect(await countIn(page, 'cache', 'g.mark-line path')).toBe(3)
      // Breakers: a bar per state segment (the api-2 → postgres breaker opens and half-opens once).
      const segments = breakerSegments(report)
      expect(segments.filter((s) => s.state === 'open')).toHaveLength(1)
      expect(await countIn(page, 'breakers', 'g.mark-rect path')).toBe(phases + segments.length)
      // Instances: a bar per API instance, each labelled with its share.
      expect(await countIn(page, 'instances', 'g.mark-rect path')).toBe(3)
      expect(await page.locator('figure[data-chart="instances"] svg g.mark-text.role-mark text').allTextContents()).toEqual(['41.9%', '41.9%', '16.3%'])

      const screenshot = join(dir, 'bench', 'report.png')
      await page.screenshot({path: screenshot, fullPage: true})
      expect((await stat(screenshot)).size).toBeGreaterThan(50_000)
    } finally {
      await close()
    }
  })

  it('renders the chaos report with the fault window shaded and labelled', async () => {
    const report = chaosKillRedisReport()
    const {page, requests, problems, close} = await open(report, 'chaos')
    try {
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([])
      expect(problems).toEqual([])
      const stages = report.chaos!.stages.length
      // Stages shaded plus one fault window, in the latency chart.
      expect(await countIn(page, 'latency', 'g.mark-rect path')).toBe(stages + 1)
      await expect(page.locator('figure[data-chart="latency"] svg g.mark-text.role-mark text').allTextContents()).resolves.toEqual(['kill redis (redis)'])
      // Every instance's Redis breaker opened: three rows with an open segment.
      const open = breakerSegments(report).filter((s) => s.state === 'open')
      expect(new Set(open.map((s) => s.breaker))).toEqual(new Set(['api-1 → redis', 'api-2 → redis', 'api-3 → redis']))
      await expect(page.locator('section#chaos').innerText()).resolves.toMatch(/Writes lost\s+0/)
      const screenshot = join(dir, 'chaos', 'report.png')
      await page.screenshot({path: screenshot, fullPage: true})
      expect((await stat(screenshot)).size).toBeGreaterThan(50_000)
    } finally {
      await close()
    }
  })

  it('shows a note instead of an empty chart when system metrics were unavailable', async () => {
    const report = benchSpikeReport()
    report.system = {...report.system, available: false, reason: 'no metrics URLs for the external target', series: []}
    const {page, problems, close} = await open(report, 'no-metrics')
    try {
      expect(problems).toEqual([])
      expect(await page.locator('figure[data-chart="cache"] svg').count()).toBe(0)
      await expect(page.locator('figure[data-chart="latency"] svg g.mark-line path').count()).resolves.toBe(3)
      await expect(page.locator('section#system').innerText()).resolves.toContain('no metrics URLs for the external target')
    } finally {
      await close()
    }
  })
})
