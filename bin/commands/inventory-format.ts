/**
 * What `understudy inventory list|show|validate` print: the JSON documents (stable shapes for
 * scripts) and their fixed-width table renderings (for people).
 */
import { type CloneStatus, type CloneVersion, imageUri } from '../../functions/core/model';
import type { RevalidationResult } from './inventory-revalidate';

/** One service in `inventory list`. */
export interface InventoryListRow {
  readonly service: string;
  readonly latestVersion: number;
  readonly latestStatus?: CloneStatus;
  readonly latestValidated?: number;
  readonly pinned?: number;
  /** True when the pinned version is no longer validated, so the plan ignores the pin. */
  readonly pinIgnored: boolean;
  /** The version a failover deploys (pinned while validated, else latest validated). */
  readonly effectiveVersion?: number;
  readonly effectiveStatus?: CloneStatus;
  /** ISO-8601 creation time of the effective version. */
  readonly effectiveCreatedAt?: string;
  /** Seconds since the effective version was created. */
  readonly effectiveAgeSeconds?: number;
}

/** The summary of a clone version's content that `inventory show` prints. */
export interface ContentSummary {
  readonly stagedTaskDefinitionArn: string;
  readonly family: string;
  readonly images: readonly {
    readonly container: string;
    readonly uri: string;
    readonly tag?: string;
  }[];
  readonly cluster: string;
  readonly serviceName: string;
  readonly desiredCount: number;
  readonly loadBalancers: number;
  readonly securityGroups: number;
  readonly rules: number;
  readonly dependencies: readonly { readonly kind: string; readonly id: string }[];
}

/** The document `inventory show --format json` prints. */
export interface InventoryShowDoc {
  readonly service: string;
  readonly version: number;
  readonly status: CloneStatus;
  readonly reasons: readonly string[];
  readonly contentHash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly trigger: string;
  readonly source: CloneVersion['content']['source'];
  readonly pinned: boolean;
  readonly effective: boolean;
  readonly summary: ContentSummary;
  readonly content: CloneVersion['content'];
}

/** Human age of a duration: `3d 4h`, `5h 12m`, `42m`, `30s`. */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m`;
  return `${s}s`;
}

/** Left-aligned fixed-width columns with a dashed rule under the header. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The `inventory list` table. */
export function formatListTable(rows: readonly InventoryListRow[]): string {
  if (rows.length === 0) return 'the inventory holds no clones yet\n';
  const body = rows.map((row) => [
    row.service,
    String(row.latestVersion),
    row.latestValidated === undefined ? '-' : String(row.latestValidated),
    row.pinned === undefined
      ? '-'
      : `${row.pinned}${row.pinIgnored ? ' (ignored: not validated)' : ''}`,
    row.effectiveVersion === undefined ? '-' : String(row.effectiveVersion),
    row.effectiveStatus ?? (row.latestStatus ? `none (latest ${row.latestStatus})` : '-'),
    row.effectiveAgeSeconds === undefined ? '-' : formatAge(row.effectiveAgeSeconds),
  ]);
  return `${renderTable(['SERVICE', 'LATEST', 'VALIDATED', 'PINNED', 'EFFECTIVE', 'STATUS', 'AGE'], body)}\n`;
}

/** The content summary of a version. */
export function summarize(version: CloneVersion): ContentSummary {
  const { content } = version;
  return {
    stagedTaskDefinitionArn: content.stagedTaskDefinitionArn,
    family: content.taskDefinition.family,
    images: Object.entries(content.images)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([container, image]) => ({
        container,
        uri: imageUri(image),
        ...(image.tag ? { tag: image.tag } : {}),
      })),
    cluster: content.serviceDefinition.cluster,
    serviceName: content.serviceDefinition.serviceName,
    desiredCount: content.serviceDefinition.desiredCount,
    loadBalancers: content.serviceDefinition.loadBalancers?.length ?? 0,
    securityGroups: content.networkRules.length,
    rules: content.networkRules.reduce(
      (sum, group) => sum + group.ingress.length + group.egress.length,
      0,
    ),
    dependencies: content.dependencies.map((d) => ({ kind: d.kind, id: d.id })),
  };
}

/** The `inventory show` text. */
export function formatShow(doc: InventoryShowDoc): string {
  const { summary, source } = doc;
  const marks = [doc.effective ? 'effective' : '', doc.pinned ? 'pinned' : ''].filter(Boolean);
  const lines = [
    `${doc.service} version ${doc.version}${marks.length ? ` (${marks.join(', ')})` : ''}`,
    `  status        ${doc.status}`,
    ...doc.reasons.map((reason) => `    - ${reason}`),
    `  content hash  ${doc.contentHash}`,
    `  created       ${doc.createdAt} by ${doc.createdBy}`,
    `  trigger       ${doc.trigger}`,
    `  source        ${source.taskDefinitionArn} (revision ${source.revision}, ${source.account} ${source.region})`,
    '',
    `  staged task definition  ${summary.stagedTaskDefinitionArn}`,
    `  service                 ${summary.cluster}/${summary.serviceName}, desired ${summary.desiredCount}, ${summary.loadBalancers} load balancer(s)`,
    `  network                 ${summary.securityGroups} security group(s), ${summary.rules} rule(s)`,
    `  images (${summary.images.length})`,
    ...summary.images.map(
      (image) =>
        `    ${image.container}: ${image.uri}${image.tag ? ` (was tag ${image.tag})` : ''}`,
    ),
    `  dependencies (${summary.dependencies.length})`,
    ...summary.dependencies.map((d) => `    ${d.kind}: ${d.id}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The `inventory validate` report. */
export function formatValidateTable(
  results: readonly RevalidationResult[],
  dryRun: boolean,
): string {
  if (results.length === 0) return 'the inventory holds no clones to validate\n';
  const rows = results.map((r) => [
    r.service,
    `${r.version} (${r.role})`,
    r.status,
    r.changed
      ? `${r.previousStatus} -> ${r.status}${r.applied ? '' : ' (dry run: not written)'}`
      : 'unchanged',
  ]);
  const lines = [renderTable(['SERVICE', 'VERSION', 'STATUS', 'CHANGE'], rows)];
  for (const r of results.filter((result) => result.reasons.length > 0)) {
    lines.push('', `${r.service} version ${r.version} (${r.status}):`);
    for (const reason of r.reasons) lines.push(`  - ${reason}`);
  }
  const changed = results.filter((r) => r.changed).length;
  lines.push(
    '',
    `${results.length} version(s) checked, ${changed} status change(s)${dryRun && changed ? ' not written (--dry-run)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
