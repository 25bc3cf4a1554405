import { replayAll } from './support/replay';
import { ReplayWorld } from './support/world';

jest.setTimeout(180_000);
it('debug', async () => {
  const world = await ReplayWorld.start();
  const calls = await replayAll(world);
  console.log(
    calls
      .filter((c) => c.operation === 'ecs:DescribeServices')
      .map(
        (c) =>
          `${c.step} ${JSON.stringify(c.output?.services?.[0]?.taskDefinition ?? null)} ${JSON.stringify(c.output?.services?.[0]?.deployments ?? null)}`,
      )
      .join('\n'),
  );
  await world.stop();
});
