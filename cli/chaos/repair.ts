// Repairing what a chaos run left behind when it could not roll back itself (killed with SIGKILL,
// crashed, its terminal closed): every service the runtime finds stopped or paused is started or
// resumed, every fault in the journal is rolled back (toxics removed, links enabled, HTTP faults
// cleared), and toxics of ours the journal does not know are swept too. Used by
// `scalelab chaos --rollback`, by a chaos run that finds leftovers, and by `scalelab up`.
import {Toxiproxy} from 'toxiproxy-node-client'
import {findInstance, type Topology} from '../../contracts/topology.js'
import {ExitCode, UserError} from '../errors.js'
import type {LabRuntime} from '../runtime/types.js'
import {withTimeout, type FaultContext} from './faults/fault.js'
import {listToxics} from './faults/links.js'
import {faultUnit} from './faults/registry.js'
import {FaultJournal, type JournalFile} from './journal.js'
import {TOXIC_NAME_PREFIX} from './vocabulary.js'

export interface RepairOutcome {
  /** A journal of a dead runner was found (and, when everything worked, removed). */
  journal: JournalFile | undefined
  /** One line per thing done, for people. */
  actions: string[]
  /** Whatever could not be undone; the journal is kept then, so another --rollback can try again. */
  failures: string[]
}

export function faultContext(runtime: LabRuntime, topology: Topology): FaultContext {
  let client: Toxiproxy | undefined
  return {
    runtime,
    topology,
    toxiproxy() {
      const proxy = findInstance(topology, 'faultproxy')
      if (!proxy?.url) {
        throw new UserError('This lab runs without the fault proxy, so it has no links to break.', {hint: 'Restart the lab with it: scalelab down && scalelab up (the fault proxy is on by default).'})
      }
      return (client ??= new Toxiproxy(proxy.url))
    },
  }
}

/** The journal of a run that is still going, if any (its faults are that run's to roll back). */
export function liveRunJournal(stateDir: string): JournalFile | undefined {
  const journal = new FaultJournal(stateDir)
  const found = journal.read()
  return found && journal.ownerAlive(found) ? found : undefined
}

export async function repairLeftovers(runtime: LabRuntime): Promise<RepairOutcome> {
  const journal = new FaultJournal(runtime.stateDir)
  const found = journal.read()
  if (found && journal.ownerAlive(found)) {
    throw new UserError(`A chaos run of ${found.experiment} (pid ${found.owner.pid}) is still going; its faults are its own to roll back.`, {
      hint: 'Stop it with Ctrl-C (it rolls its faults back), or wait for it to finish.',
    })
  }
  const topology = await runtime.topology()
  if (!topology) {
    throw new UserError(`The lab in ${runtime.stateDir} is not running, so there is nothing to roll back${found ? ` (the journal of ${found.experiment} is kept)` : ''}.`, {
      hint: 'Start it with `scalelab up`; it rolls back what a chaos run left.',
      exitCode: ExitCode.usage,
    })
  }
  const ctx = faultContext(runtime, topology)
  const actions: string[] = []
  const failures: string[] = []

  // Services first: a fault proxy or an API instance must be running before its faults can be undone.
  try {
    for (const result of (await runtime.repair()).actions) if (result.changed) actions.push(result.message)
  } catch (error) {
    failures.push(`restarting stopped or paused services: ${(error as Error).message}`)
  }
  for (const entry of [...(found?.entries ?? [])].reverse()) {
    try {
      actions.push(`${entry.step}: ${await faultUnit(entry.spec).rollback(ctx)}`)
    } catch (error) {
      failures.push(`${entry.step}: ${(error as Error).message}`)
    }
  }
  if (topology.links.length > 0) {
    try {
      actions.push(...(await sweepToxics(ctx)))
    } catch (error) {
      failures.push(`looking for leftover toxics: ${(error as Error).message}`)
    }
  }
  if (found && failures.length === 0) journal.discard()
  return {journal: found, actions, failures}
}

/** Removes every toxic of ours still on a link (a run that died between adding one and journaling it). */
async function sweepToxics(ctx: FaultContext): Promise<string[]> {
  const lines: string[] = []
  const proxies = await withTimeout(ctx.toxiproxy().getAll(), 'the fault proxy')
  for (const proxy of Object.values(proxies)) {
    for (const toxic of (await listToxics(proxy)).filter((t) => t.name.startsWith(TOXIC_NAME_PREFIX))) {
      await withTimeout((await proxy.getToxic(toxic.name)).remove(), `removing toxic ${toxic.name}`)
      lines.push(`Removed leftover toxic ${toxic.name} from the ${proxy.name} link.`)
    }
  }
  return lines
}

/**
 * For `scalelab up`: on a lab that was already running, rolls back what a crashed chaos run left
 * (and says so); on a lab just started, a dead run's journal refers to processes that are gone, so
 * it is dropped. Nothing is touched while the run that wrote the journal is still going.
 */
export async function repairAfterUp(runtime: LabRuntime, action: 'started' | 'already-up' | 'scaled'): Promise<string[]> {
  const journal = new FaultJournal(runtime.stateDir)
  const found = journal.read()
  if (!found || journal.ownerAlive(found)) return []
  if (action === 'started') {
    journal.discard()
    return []
  }
  const outcome = await repairLeftovers(runtime)
  const lines = [`A chaos run of ${found.experiment} (pid ${found.owner.pid}) ended without rolling back its faults; rolled back now:`, ...outcome.actions.map((a) => `  ${a}`)]
  if (outcome.failures.length) lines.push(`  could not undo: ${outcome.failures.join('; ')} — try: scalelab chaos --rollback`)
  return lines
}
