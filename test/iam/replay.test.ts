// The IAM replay: every scenario runs the real code against moto and dynalite with every AWS
// call recorded, then each call is evaluated against the synthesized policies. Any denial fails,
// naming the role, action, resource and the source line of the call.
import { EXPLAINED_GRANTS, explanationOf } from './over-grants';
import { denialReport, type Evaluation, evaluateCalls } from './support/evaluate';
import { unusedGrants } from './support/over-grants';
import type { RecordedCall } from './support/recorder';
import { replayAll } from './support/replay';
import { ReplayWorld } from './support/world';

jest.setTimeout(180_000);

let world: ReplayWorld;
let calls: RecordedCall[];
let evaluations: Evaluation[];

beforeAll(async () => {
  world = await ReplayWorld.start();
  calls = await replayAll(world);
  evaluations = await evaluateCalls(world.app, calls, world.facts);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('IAM replay', () => {
  it('allows every call the scenarios make', () => {
    expect(denialReport(evaluations)).toEqual([]);
  });

  it('exercises every granted action, or explains in over-grants.ts why not', () => {
    const unexplained = unusedGrants(world.app, evaluations)
      .filter((u) => !explanationOf(u.role, u.action))
      .map((u) => `${u.role} ${u.action}`);
    expect(unexplained).toEqual([]);
  });

  it('keeps no explanation for a grant that is exercised or gone', () => {
    const unused = unusedGrants(world.app, evaluations);
    const stale = EXPLAINED_GRANTS.flatMap((e) =>
      e.actions
        .filter((action) => !unused.some((u) => e.role.test(u.role) && u.action === action))
        .map((action) => `${e.role.source} ${action}`),
    );
    expect(stale).toEqual([]);
  });
});
