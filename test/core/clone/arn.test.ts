import {
  findEmbeddedArns,
  isPrimarySpecific,
  parseArn,
  rewriteArnRegionAndAccount,
  splitSecretReference,
} from '../../../functions/core/clone/arn';
import { SOURCE, STAGING } from './fixtures';

const sides = { source: SOURCE, staging: STAGING };

describe('Module: clone/arn', () => {
  describe('Function: parseArn', () => {
    it('splits an ARN and keeps colons in the resource', () => {
      expect(
        parseArn('arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf:password::'),
      ).toEqual({
        partition: 'aws',
        service: 'secretsmanager',
        region: 'eu-west-1',
        account: '111111111111',
        resource: 'secret:db-AbCdEf:password::',
      });
      expect(parseArn('/plain/parameter')).toBeUndefined();
    });
  });

  describe('Function: isPrimarySpecific', () => {
    it.each([
      ['arn:aws:sqs:eu-west-1:111111111111:q', true],
      ['arn:aws:iam::111111111111:role/r', true],
      ['arn:aws:sqs:eu-west-1:333333333333:q', true],
      ['arn:aws:s3:::bucket', false],
      ['arn:aws:sqs:us-east-1:333333333333:q', false],
    ])('%s → %s', (arn, expected) => {
      expect(isPrimarySpecific(parseArn(arn) ?? (undefined as never), sides)).toBe(expected);
    });

    it('treats an ARN as portable when only the region differs and it is global', () => {
      const sameAccount = { source: SOURCE, staging: { ...STAGING, account: SOURCE.account } };
      expect(
        isPrimarySpecific(
          parseArn('arn:aws:iam::111111111111:role/r') ?? (undefined as never),
          sameAccount,
        ),
      ).toBe(false);
    });
  });

  describe('Function: rewriteArnRegionAndAccount', () => {
    it('swaps the primary region and account only', () => {
      expect(
        rewriteArnRegionAndAccount(
          parseArn('arn:aws:sqs:eu-west-1:111111111111:eu-west-1-q') ?? (undefined as never),
          sides,
        ),
      ).toBe('arn:aws:sqs:eu-central-1:222222222222:eu-west-1-q');
    });
  });

  describe('Function: splitSecretReference', () => {
    it.each([
      [
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf:password:AWSCURRENT:',
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf',
        ':password:AWSCURRENT:',
      ],
      [
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf',
        'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf',
        '',
      ],
      [
        'arn:aws:ssm:eu-west-1:111111111111:parameter/p',
        'arn:aws:ssm:eu-west-1:111111111111:parameter/p',
        '',
      ],
    ])('splits %s', (value, base, suffix) => {
      expect(splitSecretReference(value)).toEqual({ base, suffix });
    });
  });

  describe('Function: findEmbeddedArns', () => {
    it('finds ARNs in JSON, lists and sentences without their delimiters', () => {
      // Arrange
      const text =
        '{"queue":"arn:aws:sqs:eu-west-1:111111111111:a"},arn:aws:sns:eu-west-1:111111111111:t (see arn:aws:sqs:eu-west-1:111111111111:a-b).';

      // Act / Assert
      expect(findEmbeddedArns(text)).toEqual([
        'arn:aws:sqs:eu-west-1:111111111111:a',
        'arn:aws:sns:eu-west-1:111111111111:t',
        'arn:aws:sqs:eu-west-1:111111111111:a-b',
      ]);
    });
  });
});
