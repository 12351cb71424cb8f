/** What the simulate suites share. */

// The two examples of `aws iam simulate-custom-policy help`, with AWS's documented output.
export const DYNAMO_POLICY =
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
export const context = (time: string): string =>
  `ContextKeyName='aws:CurrentTime',ContextKeyValues='${time}',ContextKeyType=date`;
