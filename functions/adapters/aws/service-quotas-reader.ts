/**
 * {@link QuotaReader} on Service Quotas and CloudWatch in the staging region: the applied Fargate
 * On-Demand vCPU quota (`L-3032A538`, the AWS default when none was ever applied) and its usage
 * (`AWS/Usage` `ResourceCount`, Maximum over the last five minutes). Reads only.
 */
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import type { FargateVcpuQuota, QuotaReader } from '../../core/failover/ports';
import type { Clock } from '../../core/ports';
import { awsErrorCode, callAws, translateSdkError } from './sdk-errors';

/** Service Quotas code of "Fargate On-Demand vCPU resource count". */
export const FARGATE_VCPU_QUOTA = { ServiceCode: 'fargate', QuotaCode: 'L-3032A538' } as const;

/** How far back the usage metric is read. */
const USAGE_WINDOW_MS = 5 * 60_000;

/** Quotas of the staging region through the AWS SDK. */
export class AwsQuotaReader implements QuotaReader {
  /**
   * @param quotas - Service Quotas client of the staging region.
   * @param cloudwatch - CloudWatch client of the staging region (usage); none: usage unknown.
   * @param clock - Time source of the usage window.
   */
  public constructor(
    private readonly quotas: ServiceQuotasClient,
    private readonly cloudwatch: CloudWatchClient | undefined,
    private readonly clock: Clock,
  ) {}

  /** The quota and, when CloudWatch has it, the vCPU in use. */
  public async fargateVcpu(): Promise<FargateVcpuQuota> {
    const quota = await this.quotaValue();
    const inUse = await this.usage();
    return inUse === undefined ? { quota } : { quota, inUse };
  }

  private async quotaValue(): Promise<number> {
    try {
      const output = await this.quotas.send(new GetServiceQuotaCommand({ ...FARGATE_VCPU_QUOTA }));
      const value = output.Quota?.Value;
      if (value !== undefined) return value;
    } catch (error) {
      // No applied value in this account: the AWS default is the quota.
      if (awsErrorCode(error) !== 'NoSuchResourceException') {
        throw translateSdkError(error, { operation: 'servicequotas:GetServiceQuota' });
      }
    }
    const fallback = await callAws({ operation: 'servicequotas:GetAWSDefaultServiceQuota' }, () =>
      this.quotas.send(new GetAWSDefaultServiceQuotaCommand({ ...FARGATE_VCPU_QUOTA })),
    );
    const value = fallback.Quota?.Value;
    if (value === undefined) throw new Error('Service Quotas returned no Fargate vCPU quota value');
    return value;
  }

  private async usage(): Promise<number | undefined> {
    if (!this.cloudwatch) return undefined;
    const end = this.clock.now();
    const output = await callAws({ operation: 'cloudwatch:GetMetricData' }, () =>
      (this.cloudwatch as CloudWatchClient).send(
        new GetMetricDataCommand({
          StartTime: new Date(end - USAGE_WINDOW_MS),
          EndTime: new Date(end),
          MetricDataQueries: [
            {
              Id: 'vcpu',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/Usage',
                  MetricName: 'ResourceCount',
                  Dimensions: [
                    { Name: 'Service', Value: 'Fargate' },
                    { Name: 'Type', Value: 'Resource' },
                    { Name: 'Resource', Value: 'vCPU' },
                    { Name: 'Class', Value: 'Standard/OnDemand' },
                  ],
                },
                Period: 60,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      ),
    );
    const values = output.MetricDataResults?.[0]?.Values ?? [];
    return values.length > 0 ? Math.max(...values) : undefined;
  }
}
