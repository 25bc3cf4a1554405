// The IAM replay: every scenario runs the real code against moto and dynalite with every AWS
// call recorded, then each call is evaluated against the synthesized policies. Any denial fails,
// naming the role, action, resource and the source line of the call.
import { cloneValidateStore } from './scenarios/clone-validate-store';
import { stateMachineCalls } from './scenarios/state-machines';
import { denialReport, type Evaluation, evaluateCalls, renamed } from './support/evaluate';
import { ReplayWorld } from './support/world';

jest.setTimeout(180_000);

let world: ReplayWorld;
let evaluations: Evaluation[];

beforeAll(async () => {
  world = await ReplayWorld.start();
  await cloneValidateStore(world);
  for (const call of stateMachineCalls(world.app)) world.recorder.add(call);
  const calls = world.recorder.calls.map((c) => renamed(c, world.renames));
  world.facts.learnFrom(calls);
  evaluations = await evaluateCalls(world.app, calls, world.facts);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('IAM replay', () => {
  it('allows every call the clone pipeline makes', () => {
    console.log(
      world.recorder.calls
        .map((c) => `${c.principal} ${c.operation} ${c.callSite} ${c.step}`)
        .join('\n'),
    );
    expect(denialReport(evaluations)).toEqual([]);
  });
});
