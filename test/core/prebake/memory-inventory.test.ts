// The core tier's in-memory inventory runs the contract the DynamoDB repository runs on the
// dynamodb tier, so the integrity and plan tests built on it see the real inventory's semantics.
import { ManualClock } from '../../support/clone-content';
import { describeInventoryContract } from '../../support/inventory-contract';
import { MemoryInventory } from './integrity-support';

describeInventoryContract('in-memory fake', () => {
  const clock = new ManualClock();
  return { repo: new MemoryInventory(() => clock.now()), clock };
});
