import { RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import type { UnderstudyConfig } from '../config';

/** Props every Understudy stack takes: the validated configuration. */
export interface UnderstudyStackProps extends StackProps {
  /** Validated `understudy` context (see `lib/config.ts`). */
  readonly config: UnderstudyConfig;
}

/** The CDK removal policy for stateful resources, from `config.removalPolicy`. */
export function removalPolicyOf(config: UnderstudyConfig): RemovalPolicy {
  return config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
