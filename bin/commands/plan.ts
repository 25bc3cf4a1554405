/**
 * `understudy plan show`: the deployment plan a failover would run — per wave, each service's
 * clone version, staged task definition revision, desired count, scaling bounds and what it waits
 * for — read from the plan repository (the inventory table, staging region) with the inventory
 * commands' connection flags, or `--local` from the last drill's persisted state.
 */
import type { Command } from 'commander';
import { DynamoDbPlanRepository } from '../../functions/adapters/aws/dynamodb-plan-repository';
import type { DeploymentPlan, PlanEntry } from '../../functions/core/model';
import {
  addConnectionOptions,
  type ConnectionOptions,
  openInventory,
} from './inventory-connection';
import { renderTable } from './inventory-format';

/** The `plan show --format json` document: the plan as the repository returns it. */
export interface PlanShowDoc {
  readonly planId: string;
  readonly generatedAt: string;
  readonly waves: readonly { readonly wave: number; readonly entries: readonly PlanEntry[] }[];
  readonly warnings: readonly string[];
}

/** The staged task definition as `family:revision` (the ARN's last part), or the ARN itself. */
export function revisionOf(taskDefinitionArn: string): string {
  const match = /:task-definition\/(.+)$/.exec(taskDefinitionArn);
  return match?.[1] ?? taskDefinitionArn;
}

/** Groups the plan's entries by wave, in wave order (the repository orders entries already). */
export function planDoc(plan: DeploymentPlan): PlanShowDoc {
  const waves = new Map<number, PlanEntry[]>();
  for (const entry of plan.entries) {
    const list = waves.get(entry.wave) ?? [];
    list.push(entry);
    waves.set(entry.wave, list);
  }
  return {
    planId: plan.planId,
    generatedAt: plan.generatedAt,
    waves: [...waves.entries()]
      .sort(([a], [b]) => a - b)
      .map(([wave, entries]) => ({ wave, entries })),
    warnings: plan.warnings,
  };
}

/** The plan as a table: one row per service, waves in order. */
export function formatPlan(doc: PlanShowDoc): string {
  const count = doc.waves.reduce((n, w) => n + w.entries.length, 0);
  if (count === 0) {
    return `plan ${doc.planId}: no service is in the plan yet (the clone pipeline adds each validated clone)\n`;
  }
  const rows = doc.waves.flatMap((w) =>
    w.entries.map((e) => [
      String(w.wave),
      e.service,
      String(e.cloneVersion),
      revisionOf(e.taskDefinitionArn),
      String(e.desiredCount),
      e.scaling ? `${e.scaling.minCapacity}-${e.scaling.maxCapacity}` : '-',
      e.serviceName ? `${e.cluster}/${e.serviceName}` : e.cluster,
      e.dependsOn.length ? e.dependsOn.join(',') : '-',
    ]),
  );
  const header = [
    'WAVE',
    'SERVICE',
    'CLONE',
    'TASK DEFINITION',
    'DESIRED',
    'SCALING',
    'STAGING SERVICE',
    'AFTER',
  ];
  const waves = doc.waves.length;
  return [
    `plan ${doc.planId} (entries written up to ${doc.generatedAt}): ${count} service${count === 1 ? '' : 's'} in ${waves} wave${waves === 1 ? '' : 's'}`,
    renderTable(header, rows),
    ...doc.warnings.map((w) => `warning: ${w}`),
    '',
  ].join('\n');
}

async function showCommand(options: ConnectionOptions): Promise<void> {
  const inventory = await openInventory(options);
  let doc: PlanShowDoc;
  try {
    doc = planDoc(await new DynamoDbPlanRepository(inventory.client, inventory.table).getPlan());
  } finally {
    await inventory.close();
  }
  process.stdout.write(
    options.format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : formatPlan(doc),
  );
}

const HELP = `
Examples:
  $ understudy plan show --table understudy-Inventory --region eu-central-1
  $ understudy plan show --local            # the last drill's plan (npm run drill first), no AWS
  $ understudy plan show --local /tmp/drill --format json

Connection:
  The plan lives in the inventory table: --table or UNDERSTUDY_INVENTORY_TABLE, --region or
  AWS_REGION (the staging region), credentials from the default AWS chain. --endpoint points at
  a loopback dynalite or moto server; --local [DIR] reads DIR/state/ (default ./drill-out).
`;

/** Registers `understudy plan` and `plan show`. */
export function registerPlanCommand(program: Command): Command {
  const plan = program
    .command('plan')
    .description('Read the deployment plan a failover runs (staging region).')
    .addHelpText('after', HELP)
    .exitOverride();
  addConnectionOptions(
    plan
      .command('show')
      .description(
        'The deployment plan: per wave, each service with its clone version, staged task definition revision, desired count, scaling bounds, staging service and what it waits for.',
      ),
  )
    .addHelpText('after', HELP)
    .exitOverride()
    .action(async (options: ConnectionOptions) => showCommand(options));
  return plan;
}
