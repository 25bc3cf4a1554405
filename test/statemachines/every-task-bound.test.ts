// Every Task state of every ASL file in statemachines/ must be bound by the tests, and bound means
// runnable: an unbound one would make aws-local-stepfunctions call the real Lambda API, and an SDK
// task whose (service, action) the dispatcher does not implement would fail the first run that
// reaches it. Each file `<name>.asl.json` needs `test/statemachines/bindings/<name>.ts` exporting
// `substitutions` and `bindings()`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  listStateMachines,
  loadDefinition,
} from '../../functions/adapters/sandbox/state-machine-definition';
import {
  findUnboundTaskStates,
  type StateMachineBindings,
  sdkIntegrationDispatcher,
} from '../../functions/adapters/sandbox/state-machine-runner';
import { collectTaskStates } from '../../functions/adapters/sandbox/state-machine-walk';

interface BindingsModule {
  readonly substitutions: Readonly<Record<string, string>>;
  readonly bindings: () => StateMachineBindings;
}

const names = listStateMachines();

describe('Class: statemachines folder', () => {
  describe('Method: listStateMachines', () => {
    it('finds the health probe among the ASL files', () => {
      // Arrange
      // Act
      // Assert
      expect(names).toContain('health-probe');
    });
  });

  describe.each(names)('Method: bindings of %s', (name) => {
    it('has a bindings module in test/statemachines/bindings', () => {
      // Arrange
      const file = path.join(__dirname, 'bindings', `${name}.ts`);

      // Act
      const exists = existsSync(file);

      // Assert
      expect(exists).toBe(true);
    });

    it('binds every Task state, nested ones included', () => {
      // Arrange
      const module = require(`./bindings/${name}`) as BindingsModule;
      const definition = loadDefinition(name, module.substitutions);

      // Act
      const unbound = findUnboundTaskStates(definition, module.bindings());

      // Assert
      expect(unbound).toEqual([]);
    });

    it('would count its SDK tasks unbound if the dispatcher implemented none of them', () => {
      // Arrange: the same bindings with an empty dispatcher (per-state bindings still win).
      const module = require(`./bindings/${name}`) as BindingsModule;
      const definition = loadDefinition(name, module.substitutions);
      const bound = module.bindings();
      const sdkTasks = collectTaskStates(definition)
        .filter(({ name: state, target }) => target.kind === 'sdk' && !bound.states?.[state])
        .map(({ name: state }) => state);

      // Act
      const unbound = findUnboundTaskStates(definition, {
        ...bound,
        sdk: sdkIntegrationDispatcher({}),
      });

      // Assert
      expect(unbound.map(({ state }) => state).sort()).toEqual(sdkTasks.sort());
    });
  });
});
