/**
 * CloudFormation, SAM and `cdk synth` templates as facts for the engine: parse (YAML/JSON, short-form tags,
 * lines), resolve intrinsic functions as far as the template determines them, extract roles and consumers.
 */
export { TemplateParseError } from './errors';
export { parseTemplate, SHORT_FORM_TAGS, type ParsedTemplate } from './parse';
export { PLACEHOLDERS, TemplateResolver, type Resolved, type ResolveOptions } from './resolve';
export { placeholderKeyId, SECRET_SUFFIX_PLACEHOLDER } from './resources';
export { isUnknown, Unknown, unknownsIn, type MaybeUnknown, type UnknownAt } from './unknown';
export {
  extractTemplateFacts,
  type TemplateFacts,
  type TemplateJobDefinition,
  type TemplateKey,
  type TemplateLocation,
  type TemplateManagedPolicy,
  type TemplateRegistryPolicy,
  type TemplateRole,
  type TemplateSecret,
  type TemplateSecretPolicy,
  type TemplateTaskDefinition,
} from './extract';
