// The runtime as a library, for chaos and bench: open the running lab and drive it.
//
//   const lab = openLabRuntime()                    // the lab in $SCALELAB_HOME or ./.scalelab
//   const topology = await lab.topology()           // URLs, ports, links, gateway secret
//   await lab.kill('redis'); ...; await lab.start('redis')
//   await lab.repair()                              // after a crashed run
export type * from './types.js'
export {FAULT_VERBS} from './types.js'
export {chooseRuntime, openLabRuntime, runtimeContext, RUNTIME_REQUESTS, type RuntimeRequest, type RuntimeChoice} from './select-runtime.js'
export {LocalRuntime, DEFAULT_LOCAL_TIMEOUTS, type LocalRuntimeOptions, type LocalTimeouts} from './local/local-runtime.js'
export {resolveStateDir} from './state-dir.js'
export {labEndpoints} from './endpoints.js'
export {probeHealth, type HealthVerdict} from './health-probes.js'
export {runDoctor, type DoctorReport, type DoctorCheck} from './doctor.js'
export {UpInterruptedError} from './up-interrupted.js'
