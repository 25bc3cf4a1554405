import {
  findEmbeddedArns,
  formatArn,
  isPrimarySpecific,
  mapReference,
  parseArn,
  rewriteArnRegionAndAccount,
  splitSecretReference,
} from '../../../functions/core/clone/arn';
import { mappings, SOURCE, SRC_QUEUE, SRC_SECRET, SRC_TG, STAGING, STG_QUEUE } from './fixtures';

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

describe('Module: clone/arn (pinned by mutation testing)', () => {
  describe('Function: parseArn', () => {
    it('reads other partitions, long service names and ARNs without region or account', () => {
      expect(parseArn('arn:aws-us-gov:s3:::my-bucket/key')).toEqual({
        partition: 'aws-us-gov',
        service: 's3',
        region: '',
        account: '',
        resource: 'my-bucket/key',
      });
      expect(parseArn(SRC_TG)).toMatchObject({
        service: 'elasticloadbalancing',
        resource: 'targetgroup/web/0123456789abcdef',
      });
    });

    it.each([
      ['an account that is not 12 digits', 'arn:aws:sqs:eu-west-1:11111:q'],
      ['text before the ARN', 'see arn:aws:sqs:eu-west-1:111111111111:q'],
      ['no resource', 'arn:aws:sqs:eu-west-1:111111111111:'],
      ['a partition other than aws*', 'arn:azure:sqs:eu-west-1:111111111111:q'],
      ['a line break after the resource', 'arn:aws:sqs:eu-west-1:111111111111:q\nx'],
    ])('refuses %s', (_what, value) => {
      expect(parseArn(value)).toBeUndefined();
    });
  });

  describe('Function: formatArn', () => {
    it('is the inverse of parseArn', () => {
      for (const value of [
        SRC_SECRET,
        'arn:aws:s3:::bucket',
        'arn:aws:iam::111111111111:role/a/b',
      ]) {
        expect(formatArn(parseArn(value) ?? (undefined as never))).toBe(value);
      }
    });
  });

  describe('Function: isPrimarySpecific', () => {
    it('ignores the primary region when staging shares it', () => {
      const sameRegion = { source: SOURCE, staging: { ...STAGING, region: SOURCE.region } };
      expect(
        isPrimarySpecific(
          parseArn('arn:aws:sqs:eu-west-1:333333333333:q') ?? (undefined as never),
          sameRegion,
        ),
      ).toBe(false);
      expect(
        isPrimarySpecific(
          parseArn('arn:aws:sqs:eu-west-1:111111111111:q') ?? (undefined as never),
          sameRegion,
        ),
      ).toBe(true);
    });
  });

  describe('Function: rewriteArnRegionAndAccount', () => {
    it.each([
      ['arn:aws:sqs:eu-west-1:333333333333:q', 'arn:aws:sqs:eu-central-1:333333333333:q'],
      ['arn:aws:iam::111111111111:role/r', 'arn:aws:iam::222222222222:role/r'],
      ['arn:aws:sqs:us-east-1:333333333333:q', 'arn:aws:sqs:us-east-1:333333333333:q'],
    ])('rewrites %s to %s', (from, to) => {
      expect(rewriteArnRegionAndAccount(parseArn(from) ?? (undefined as never), sides)).toBe(to);
    });
  });

  describe('Function: splitSecretReference', () => {
    it('leaves an ARN of another service whole even when its resource has colons', () => {
      const value = 'arn:aws:ssm:eu-west-1:111111111111:parameter:a:b:c';
      expect(splitSecretReference(value)).toEqual({ base: value, suffix: '' });
    });

    it('leaves a value that is not an ARN whole', () => {
      expect(splitSecretReference('shop/db:password')).toEqual({
        base: 'shop/db:password',
        suffix: '',
      });
    });
  });

  describe('Function: findEmbeddedArns', () => {
    it.each([' ', '\t', '"', "'", '`', ',', ';', '|', '<', '>', '(', ')', '[', ']', '{', '}'])(
      'ends an ARN at %j',
      (delimiter) => {
        expect(findEmbeddedArns(`x${delimiter}${SRC_QUEUE}${delimiter}y`)).toEqual([SRC_QUEUE]);
      },
    );

    it('finds ARNs of other partitions and without region or account, keeping inner dots', () => {
      expect(
        findEmbeddedArns(
          's3=arn:aws:s3:::my.bucket/a.json cn=arn:aws-cn:sqs:cn-north-1:111111111111:q',
        ),
      ).toEqual(['arn:aws:s3:::my.bucket/a.json', 'arn:aws-cn:sqs:cn-north-1:111111111111:q']);
      expect(findEmbeddedArns('no arns here')).toEqual([]);
    });
  });

  describe('Function: mapReference', () => {
    const all = mappings({ rewriteRegionAndAccount: ['environment'] });

    it('takes the first table that maps the value, skipping absent tables', () => {
      expect(
        mapReference(
          SRC_QUEUE,
          [undefined, { [SRC_QUEUE]: 'first' }, { [SRC_QUEUE]: 'second' }],
          undefined,
          all,
          'arns',
        ),
      ).toEqual({ ok: true, value: 'first', how: 'mapped' });
    });

    it.each([
      ['a plain name', 'orders'],
      ['an ARN of another account and region', 'arn:aws:sqs:us-east-1:333333333333:q'],
    ])('keeps %s', (_what, value) => {
      expect(mapReference(value, [{}], 'environment', all, 'arns')).toEqual({
        ok: true,
        value,
        how: 'kept',
      });
    });

    it('rewrites an unmapped primary ARN only in a field config lists', () => {
      // Act
      const listed = mapReference(SRC_QUEUE, [{}], 'environment', all, 'arns');
      const unlisted = mapReference(SRC_QUEUE, [{}], 'secrets', all, 'arns');
      const noField = mapReference(SRC_QUEUE, [{}], undefined, all, 'arns');
      const noRewrites = mapReference(SRC_QUEUE, [{}], 'environment', mappings(), 'arns');

      // Assert
      expect(listed).toEqual({ ok: true, value: STG_QUEUE, how: 'rewritten' });
      const problem = {
        ok: false,
        problem: `${SRC_QUEUE} belongs to the primary (111111111111/eu-west-1) and has no mapping in arns`,
      };
      expect(unlisted).toEqual(problem);
      expect(noField).toEqual(problem);
      expect(noRewrites).toEqual(problem);
    });
  });
});
