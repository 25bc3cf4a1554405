/**
 * Runs every replay scenario once in one world and returns the recorded calls, renamed to the
 * configured identifiers. Add a scenario here (one file per workflow in `../scenarios/`).
 */
import { adaptRun } from '../scenarios/adapt';
import { cloneValidateStore } from '../scenarios/clone-validate-store';
import { drill } from '../scenarios/drill';
import { eventTargetCalls } from '../scenarios/event-targets';
import { failover } from '../scenarios/failover';
import { forecastCycle } from '../scenarios/forecast';
import { handback } from '../scenarios/handback';
import { healthProbe } from '../scenarios/health-probe';
import { imageSources } from '../scenarios/image-sources';
import { lambdaRuntimeCalls } from '../scenarios/lambda-runtime';
import { stateMachineCalls } from '../scenarios/state-machines';
import { renamed } from './evaluate';
import type { RecordedCall } from './recorder';
import type { ReplayWorld } from './world';

/** Every scenario, in order; each records into `world.recorder`. */
export const SCENARIOS: readonly {
  readonly name: string;
  run(world: ReplayWorld): Promise<void>;
}[] = [
  {
    name: 'clone-validate-store (Lambdas over moto + dynalite), with a failover of what it staged and a drill of it (UnderstudyDrill roles)',
    run: (world) =>
      cloneValidateStore(world, {
        afterClones: async (w) => {
          await failover(w);
          await drill(w);
        },
      }),
  },
  { name: 'images from a central registry and a pull-through cache', run: imageSources },
  { name: 'health probe (primary read through the read-only role)', run: healthProbe },
  { name: 'forecast cycle (forecaster, staging copy writer)', run: forecastCycle },
  { name: 'adapt run (adapt Lambda, primary history through the read role)', run: adaptRun },
  {
    // After adapt: the handback gives the lease to the primary, which the adapt run must not see.
    name: 'handback of the failover (declined, then integrate + replace, lease to the primary)',
    run: handback,
  },
  {
    name: 'Lambda runtime (logs, X-Ray)',
    run: async (world) => {
      for (const call of lambdaRuntimeCalls(world.app)) world.recorder.add(call);
    },
  },
  {
    name: 'state machine Tasks',
    run: async (world) => {
      for (const call of stateMachineCalls(world.app)) world.recorder.add(call);
    },
  },
  {
    name: 'EventBridge rule targets',
    run: async (world) => {
      for (const call of eventTargetCalls(world.app)) world.recorder.add(call);
    },
  },
];

/** Runs every scenario and returns the calls, with moto's identifiers renamed to the configured ones. */
export async function replayAll(world: ReplayWorld): Promise<RecordedCall[]> {
  for (const scenario of SCENARIOS) await scenario.run(world);
  const calls = world.recorder.calls.map((c) => renamed(c, world.renames));
  world.facts.learnFrom(calls, world.app);
  return calls;
}
