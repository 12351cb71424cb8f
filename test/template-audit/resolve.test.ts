import { isUnknown, PLACEHOLDERS, placeholderKeyId, Unknown, type Resolved } from '../../lib/template';
import { resolveProbe } from './support';

const GIVEN = { region: 'eu-west-1', accountId: '111122223333' } as const;
const KEY_ID = placeholderKeyId('Key', false);

describe('intrinsic functions the template determines', () => {
  it.each<[string, string, Resolved]>([
    ['Ref parameter default', '!Ref Env', 'prod'],
    ['Ref Number parameter (text, as CloudFormation passes it)', '!Ref Count', '3'],
    ['Ref CommaDelimitedList', '!Ref Subnets', ['subnet-a', 'subnet-b']],
    ['Ref AWS::Region (given)', '!Ref AWS::Region', 'eu-west-1'],
    ['Ref AWS::AccountId (given)', '{ Ref: "AWS::AccountId" }', '111122223333'],
    ['Ref AWS::Partition from the region', '!Ref AWS::Partition', 'aws'],
    ['Ref AWS::URLSuffix', '!Ref AWS::URLSuffix', 'amazonaws.com'],
    ['Ref IAM role: its name', '!Ref Role', 'app-prod'],
    ['Ref IAM role without RoleName: the logical id', '!Ref GeneratedRole', 'GeneratedRole'],
    [
      'GetAtt role Arn, path kept (short form)',
      '!GetAtt Role.Arn',
      'arn:aws:iam::111122223333:role/jobs/app-prod',
    ],
    ['GetAtt role Arn (list form)', '!GetAtt [Role, Arn]', 'arn:aws:iam::111122223333:role/jobs/app-prod'],
    [
      'GetAtt (CDK long list form)',
      '{ "Fn::GetAtt": [GeneratedRole, Arn] }',
      'arn:aws:iam::111122223333:role/GeneratedRole',
    ],
    [
      'Ref secret: its ARN with the suffix placeholder',
      '!Ref Secret',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/token-XXXXXX',
    ],
    [
      'GetAtt secret Id: its ARN',
      '!GetAtt Secret.Id',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/token-XXXXXX',
    ],
    ['Ref KMS key: its key id', '!Ref Key', KEY_ID],
    ['GetAtt KMS key Arn', '!GetAtt Key.Arn', `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`],
    ['multi-Region key id', '!Ref RegionalKey', placeholderKeyId('RegionalKey', true)],
    ['Ref managed policy: its ARN', '!Ref Policy', 'arn:aws:iam::111122223333:policy/reader'],
    ['GetAtt log group Arn', '!GetAtt Logs.Arn', 'arn:aws:logs:eu-west-1:111122223333:log-group:/app/logs:*'],
    [
      'GetAtt ECR RepositoryUri',
      '!GetAtt Repo.RepositoryUri',
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com/repo',
    ],
    ['Ref SSM parameter: its name', '!Ref Param', '/app/setting'],
    [
      'Sub with Ref and GetAtt',
      '!Sub "${Role.Arn}|${Env}|${AWS::Region}"',
      'arn:aws:iam::111122223333:role/jobs/app-prod|prod|eu-west-1',
    ],
    ['Sub literal ${!Name}', '!Sub "${!Literal}-${Env}"', '${Literal}-prod'],
    ['Sub list form with variables', '!Sub ["${A}-${Env}", { A: !Ref Count }]', '3-prod'],
    ['Join', '!Join [":", [a, !Ref Env, 3]]', 'a:prod:3'],
    [
      'Join (CDK ARN)',
      '{ "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::", { Ref: "AWS::AccountId" }, ":role/", { Ref: Role }]] }',
      'arn:aws:iam::111122223333:role/app-prod',
    ],
    ['Select', '!Select [1, [a, b, c]]', 'b'],
    ['Select over Split', '!Select [2, !Split ["/", "a/b/c"]]', 'c'],
    ['Select over a list parameter', '!Select [0, !Ref Subnets]', 'subnet-a'],
    ['Split', '!Split [",", "x,y"]', ['x', 'y']],
    ['FindInMap', '!FindInMap [Sizes, !Ref Env, Name]', 'large'],
    ['FindInMap keeps numbers', '!FindInMap [Sizes, prod, Memory]', 2048],
    ['If on a decidable condition', '!If [IsProd, big, small]', 'big'],
    ['If on Not', '!If [IsDev, big, small]', 'small'],
    ['If: Or settled by a true operand despite an unknown one', '!If [ProdOrUnknowable, yes, no]', 'yes'],
    ['If: And settled by a false operand despite an unknown one', '!If [DevAndUnknowable, yes, no]', 'no'],
    ['Equals compares a Number parameter as text', '!If [CountIsThree, yes, no]', 'yes'],
    ['Base64', '!Base64 "hi"', 'aGk='],
    ['If with NoValue drops the list element', '[a, !If [IsProd, !Ref "AWS::NoValue", b], c]', ['a', 'c']],
    ['NoValue drops the property', '{ Keep: 1, Drop: !Ref AWS::NoValue }', { Keep: 1 }],
    ['nested objects', '{ A: [{ B: !Ref Env }] }', { A: [{ B: 'prod' }] }],
  ])('%s: %s', (_name, expression, expected) => {
    // Act
    const value = resolveProbe(expression, GIVEN);

    // Assert
    expect(value).toEqual(expected);
  });
});

describe('intrinsic functions the template does not determine are unknown, naming the expression', () => {
  it.each<[string, string, RegExp]>([
    ['ImportValue', '!ImportValue shared-key-arn', /Fn::ImportValue "shared-key-arn": .*another stack/],
    ['parameter without Default', '!Ref NoDefault', /Ref NoDefault: parameter NoDefault has no Default/],
    ['SSM parameter type', '!Ref Latest', /Ref Latest: .*Parameter Store at deploy time/],
    ['Sub over a parameter without Default', '!Sub "arn:aws:kms:${NoDefault}"', /Ref NoDefault/],
    ['Join over an import', '!Join ["", [a, !ImportValue x]]', /Fn::ImportValue "x"/],
    ['Select over an import', '!Select [0, !ImportValue x]', /Fn::ImportValue "x"/],
    ['Select out of range', '!Select [5, [a]]', /index 5 is out of range/],
    ['If on an undecidable condition', '!If [Unknowable, a, b]', /Fn::If .*Ref NoDefault/],
    ['And with only true and unknown operands', '!If [ProdAndUnknowable, a, b]', /Ref NoDefault/],
    ['If on a missing condition', '!If [Nope, a, b]', /Condition Nope: no such condition/],
    ['FindInMap with a missing key', '!FindInMap [Sizes, dev, Name]', /Mappings has no Sizes.dev.Name/],
    ['RoleId, assigned at creation', '!GetAtt Role.RoleId', /Role.RoleId: IAM assigns/],
    ['Ref of a type not modelled', '!Ref Queue', /Ref Queue: what Ref returns for a AWS::SQS::Queue/],
    [
      'GetAtt of an attribute the type does not have',
      '!GetAtt Secret.Arn',
      /Secret.Arn: a AWS::SecretsManager::Secret has no attribute Arn \(it has Id\)/,
    ],
    [
      'GetAtt of a type not modelled',
      '!GetAtt Queue.Arn',
      /Queue.Arn: the attribute of a AWS::SQS::Queue is not determined offline/,
    ],
    ['Ref of a resource that is not created', '!Ref DevOnly', /DevOnly is not created/],
    ['Ref of nothing', '!Ref Missing', /no parameter or resource Missing/],
    ['GetAZs', '!GetAZs ""', /Fn::GetAZs/],
    ['StackId', '!Ref AWS::StackId', /AWS::StackId/],
    ['NotificationARNs', '!Ref AWS::NotificationARNs', /set when the stack is deployed/],
    ['a pseudo parameter that does not exist', '!Ref AWS::Nope', /no such pseudo parameter/],
    ['a Join without its list', '!Join [":"]', /expected \[delimiter, \[values\]\]/],
    ['a Select without its list', '!Select [0]', /expected \[index, \[values\]\]/],
    ['a Split without its text', '!Split [","]', /expected \[delimiter, text\]/],
    ['a GetAtt of one name without a dot', '!GetAtt Role', /expected \[logicalId, attribute\]/],
    ['Cidr', '!Cidr [10.0.0.0/16, 2, 8]', /not evaluated offline/],
    ['Base64 of a list', '!Base64 [a, b]', /expected text/],
    ['a condition function used as a value, undecidable', '!Equals [!Ref NoDefault, x]', /Ref NoDefault/],
    [
      'an If whose condition is an empty mapping',
      '{ "Fn::If": [{}, a, b] }',
      /expected a name|no such condition|Fn::If/,
    ],
    ['a condition naming a Condition by a list', '!Not [{ Condition: [a] }]', /expected a name/],
    [
      'a condition that is not a condition function',
      '!Not [{ "Fn::Join": ["", [a]] }]',
      /Fn::Join is not a condition function/,
    ],
    [
      'a condition of two functions at once',
      '!Not [{ "Fn::Equals": [a, a], "Fn::Not": [true] }]',
      /expected one condition function/,
    ],
  ])('%s: %s', (_name, expression, reason) => {
    // Act
    const value = resolveProbe(expression, GIVEN);

    // Assert
    expect(isUnknown(value)).toBe(true);
    expect((value as Unknown).reason).toMatch(reason);
  });
});

describe('circular references', () => {
  it.each<[string, string, string, RegExp]>([
    [
      'two roles naming each other',
      '!Ref A',
      [
        '  A:',
        '    Type: AWS::IAM::Role',
        '    Properties: { RoleName: !Sub "${B}-a" }',
        '  B:',
        '    Type: AWS::IAM::Role',
        '    Properties: { RoleName: !Sub "${A}-b" }',
      ].join('\n'),
      /circular reference: Ref A -> Ref B -> Ref A/,
    ],
    [
      'a role naming itself through its own ARN',
      '!GetAtt Self.Arn',
      [
        '  Self:',
        '    Type: AWS::IAM::Role',
        '    Properties: { RoleName: !Select [1, !Split ["/", !GetAtt Self.Arn]] }',
      ].join('\n'),
      /circular reference: Fn::GetAtt Self.Arn -> Fn::GetAtt Self.Arn/,
    ],
  ])('%s is unknown, and resolving ends', (_name, expression, resources, reason) => {
    // Act
    const value = resolveProbe(expression, GIVEN, resources);

    // Assert
    expect(isUnknown(value)).toBe(true);
    expect((value as Unknown).reason).toMatch(reason);
  });

  it('conditions naming each other are unknown', () => {
    // Arrange
    const resources = ['  Cyclic:', '    Type: AWS::SecretsManager::Secret', '    Condition: Loop'].join(
      '\n',
    );

    // Act
    const value = resolveProbe('!Ref Cyclic', GIVEN, resources);

    // Assert
    expect(isUnknown(value)).toBe(true);
    expect((value as Unknown).reason).toMatch(/Condition Loop/);
  });
});

describe('pseudo parameters without given values', () => {
  it.each<[string, string, string]>([
    ['account', '!Ref AWS::AccountId', PLACEHOLDERS.accountId],
    ['region', '!Ref AWS::Region', PLACEHOLDERS.region],
    ['partition', '!Ref AWS::Partition', 'aws'],
    ['stack name', '!Ref AWS::StackName', PLACEHOLDERS.stackName],
  ])('%s takes a placeholder', (_name, expression, expected) => {
    // Act
    const value = resolveProbe(expression);

    // Assert
    expect(value).toBe(expected);
  });

  it('keeps one account placeholder across every ARN of the template', () => {
    // Act
    const role = resolveProbe('!GetAtt Role.Arn');
    const joined = resolveProbe(
      '!Join ["", ["arn:aws:iam::", !Ref AWS::AccountId, ":role/jobs/", !Ref Role]]',
    );

    // Assert
    expect(role).toBe(joined);
  });

  it.each<[string, string, string]>([
    ['China', 'cn-north-1', 'arn:aws-cn:iam::111122223333:role/jobs/app-prod'],
    ['GovCloud', 'us-gov-west-1', 'arn:aws-us-gov:iam::111122223333:role/jobs/app-prod'],
  ])('derives the %s partition from the region', (_name, region, expected) => {
    // Act
    const value = resolveProbe('!GetAtt Role.Arn', { region, accountId: '111122223333' });

    // Assert
    expect(value).toBe(expected);
  });

  it('takes given parameter values over defaults, and for parameters without one', () => {
    // Act
    const value = resolveProbe('!Sub "${Env}-${NoDefault}"', { parameters: { Env: 'dev', NoDefault: 'x' } });

    // Assert
    expect(value).toBe('dev-x');
  });
});

describe('an unknown value', () => {
  it.each<[string, (unknown: Unknown) => unknown]>([
    ['template literal', (unknown) => `arn:${String(unknown)}`],
    ['concatenation', (unknown) => 'arn:' + (unknown as unknown as string)],
    ['comparison as text', (unknown) => (unknown as unknown as string) < 'b'],
  ])('cannot pass for text (%s throws)', (_name, use) => {
    // Arrange
    const unknown = new Unknown('Fn::ImportValue "x": exported by another stack');

    // Act / Assert
    expect(() => use(unknown)).toThrow(/cannot be used as text/);
  });

  it('is never a string, and serialises as an object carrying its reason', () => {
    // Arrange
    const unknown = new Unknown('Ref NoDefault: no Default');

    // Act
    const json = JSON.stringify({ Resource: unknown });

    // Assert
    expect(typeof unknown).not.toBe('string');
    expect(JSON.parse(json)).toEqual({ Resource: { unknown: 'Ref NoDefault: no Default' } });
  });
});
