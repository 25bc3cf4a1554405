/**
 * Name of the detection quorum's composite alarm (health region). One constant for the CDK
 * stack that creates it and the CLI commands that read it, so `--alarm-name` can default to it.
 */
export const QUORUM_ALARM_NAME = 'understudy-detection-quorum';
