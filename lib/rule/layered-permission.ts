/**
 * A permission requirement decided across every layer the rule could read (lib/policy/layers.ts): the
 * role's policies and boundary, the resource's own policy (lib/rule/layer-targets.ts picks it), and the
 * organization's SCPs and RCPs. A layer that could not be read is named: as a LAYER_UNREADABLE finding, or,
 * with UnreadableLayers=report, as a note that leaves the verdict to the layers that were read. Pure.
 */
import { BoundedCache } from '../core/cache';
import type {
  Finding,
  FindingReason,
  OtherLayer,
  PermissionRequirement,
  Requirement,
  RoleSnapshot,
} from '../core/model';
import type { LayerFacts, LayerRead, OrganizationPolicyLevels } from '../facts/layer-ports';
import {
  conditionText,
  layerNoAllowDetail,
  layerUnreadableMessage,
  notGrantedMessage,
  otherLayerText,
} from '../findings/render';
import {
  parsePolicyDocument,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySet,
  type Request,
} from '../policy';
import {
  decideAcrossLayers,
  type LayeredDecision,
  type OrganizationLayer,
  type ResourcePolicyLayer,
} from '../policy/layers';
import { layerTargetFor, type LayerTarget } from './layer-targets';

/** What to do with a layer that could not be read (rule parameter UnreadableLayers). */
export type UnreadableLayerMode = 'fail' | 'report';

/** The layers of one evaluation and what an unreadable one means. */
export interface LayerOptions {
  readonly layers: LayerFacts;
  readonly unreadableLayers: UnreadableLayerMode;
}

/** Where a role lives among the organization's levels: the service-linked path is outside SCPs and RCPs. */
const SERVICE_LINKED_PATH = '/aws-service-role/';

// Parsed documents by their text: a pure function of the text (frozen documents, or the parse problem),
// so safe across warm invocations; a changed policy is a new text. Bounded like the other memo tables.
const parsedTexts = new BoundedCache<string, PolicyDocument | { readonly problem: string }>(
  'layer policy texts',
  2_000,
);

function parseText(
  text: string,
  kind: 'resource' | undefined,
): PolicyDocument | { readonly problem: string } {
  const cacheKey = `${kind ?? ''}\u0000${text}`;
  let parsed = parsedTexts.get(cacheKey);
  if (parsed === undefined) {
    try {
      parsed = parsePolicyDocument(JSON.parse(text) as unknown, kind ? { kind } : {});
    } catch (error) {
      parsed = {
        problem: `does not parse as a policy: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    parsedTexts.set(cacheKey, parsed);
  }
  return parsed;
}

/** `r-ab12` -> `root r-ab12`, `ou-ab12-...` -> `OU ou-ab12-...`, an account id -> `account ID`. */
export function levelLabel(targetId: string): string {
  if (targetId.startsWith('r-')) return `root ${targetId}`;
  if (targetId.startsWith('ou-')) return `OU ${targetId}`;
  return `account ${targetId}`;
}

const EMPTY_POLICY: PolicyDocument = Object.freeze({ statements: Object.freeze([]) });

interface Unread {
  readonly layer: OtherLayer;
  readonly subject: string;
  readonly cause: string;
  readonly problem: string;
  /** Unparseable documents always fail: what was read refuses to be understood. */
  readonly alwaysFails: boolean;
  readonly requirements: PermissionRequirement[];
}

/** One role's layered decisions; collects the layers it could not use, once each. */
export class LayerJudge {
  readonly #role: RoleSnapshot;
  readonly #options: LayerOptions;
  readonly #unread = new Map<string, Unread>();
  readonly #scps: OrganizationLayer | undefined;
  readonly #rcps: OrganizationLayer | undefined;
  /** Repositories the first pull through the cache creates (ecr:CreateRepository is required on them). */
  readonly #createdOnFirstPull: ReadonlySet<string>;

  constructor(role: RoleSnapshot, options: LayerOptions, requirements: readonly Requirement[] = []) {
    this.#role = role;
    this.#options = options;
    this.#createdOnFirstPull = new Set(
      requirements.flatMap((requirement) =>
        requirement.kind === 'permission' &&
        requirement.id === 'PULL_THROUGH_CACHE' &&
        requirement.action === 'ecr:CreateRepository'
          ? [requirement.resource]
          : [],
      ),
    );
    const organization = options.layers.organization;
    if (organization?.status === 'unreadable') {
      this.#note('organization', 'scp', role.accountId, 'AccessDenied', organization.detail, false);
    } else if (organization?.status === 'read') {
      const { policies } = organization;
      const managementAccount = policies.managementAccountId === role.accountId;
      this.#scps = this.#organizationLayer('scp', policies.scps, managementAccount);
      this.#rcps = this.#organizationLayer('rcp', policies.rcps, managementAccount);
    }
  }

  /** The organization's id, for aws:PrincipalOrgID; undefined when the organization was not read. */
  get organizationId(): string | undefined {
    const organization = this.#options.layers.organization;
    return organization?.status === 'read' ? organization.policies.organizationId : undefined;
  }

  /** The finding for `requirement` across every layer, or undefined when every layer allows it. */
  check(requirement: PermissionRequirement, policies: PolicySet, request: Request): Finding | undefined {
    const role = this.#role;
    const target =
      this.#options.layers.resourcePolicies === undefined
        ? undefined
        : layerTargetFor(requirement, role.accountId);
    const resourcePolicy = target ? this.#resourceLayer(target, requirement) : undefined;
    // RCPs of another account are not read: they are that account's (a documented gap, see docs/deploy.md).
    const sameAccountResource = target === undefined || target.ownerAccountId === role.accountId;
    const decision = decideAcrossLayers({
      request,
      principal: {
        arn: role.arn,
        accountId: role.accountId,
        ...(role.path.startsWith(SERVICE_LINKED_PATH) ? { serviceLinked: true } : {}),
      },
      policies,
      ...(resourcePolicy === 'unread' || resourcePolicy === undefined ? {} : { resourcePolicy }),
      // KMS's own rule applies only when its key policy was read; unread, the identity side is judged alone.
      ...(target?.kind === 'keyPolicy' && resourcePolicy !== 'unread' ? { service: 'kms' as const } : {}),
      ...(this.#scps ? { scps: this.#scps } : {}),
      ...(this.#rcps && sameAccountResource ? { rcps: this.#rcps } : {}),
    });
    if (decision.decision === 'allowed' && !decision.conditional) return undefined;
    const reason = withLeftOut(this.#reasonOf(decision, target, policies), target, this.#options.layers);
    return {
      id: requirement.id,
      action: requirement.action,
      resource: requirement.resource,
      reason,
      neededBy: requirement.neededBy,
      message: notGrantedMessage(requirement.action, requirement.resource, reason, requirement.neededBy),
    };
  }

  /** Each layer not used, as a LAYER_UNREADABLE finding (fail) or note (report), with who needed it. */
  unreadLayers(): { findings: Finding[]; notes: Finding[] } {
    const findings: Finding[] = [];
    const notes: Finding[] = [];
    for (const unread of this.#unread.values()) {
      const neededBy = [...new Set(unread.requirements.flatMap((requirement) => requirement.neededBy))];
      const actions = [...new Set(unread.requirements.map((requirement) => requirement.action))];
      const finding: Finding = {
        id: 'LAYER_UNREADABLE',
        ...(unread.layer === 'scp' || unread.layer === 'rcp' ? {} : { resource: unread.subject }),
        reason: {
          kind: 'layerUnreadable',
          layer: unread.layer,
          subject: unread.subject,
          cause: unread.cause,
          problem: unread.problem,
        },
        neededBy,
        message: layerUnreadableMessage(unread.layer, unread.subject, unread.problem, actions, neededBy),
      };
      if (unread.alwaysFails || this.#options.unreadableLayers === 'fail') findings.push(finding);
      else notes.push(finding);
    }
    return { findings, notes };
  }

  #note(
    key: string,
    layer: OtherLayer,
    subject: string,
    cause: string,
    problem: string,
    alwaysFails: boolean,
    requirement?: PermissionRequirement,
  ): void {
    let unread = this.#unread.get(key);
    if (unread === undefined) {
      unread = { layer, subject, cause, problem, alwaysFails, requirements: [] };
      this.#unread.set(key, unread);
    }
    if (requirement) unread.requirements.push(requirement);
  }

  /** The target's policy as a layer; `unread` when it could not be read or parsed; undefined when it has none. */
  #resourceLayer(target: LayerTarget, requirement: PermissionRequirement): ResourcePolicyLayer | 'unread' {
    const read: LayerRead = this.#options.layers.resourcePolicies?.get(target.key) ?? {
      status: 'unreadable',
      reason: 'NotProvided',
      detail: this.#options.layers.notProvided ?? 'the layer input does not hold it',
    };
    const subject =
      target.kind === 'registryPolicy' ? `${target.ownerAccountId} ${target.region}` : target.arn;
    // A cache repository of this account that does not exist yet: the first pull creates it (that is what
    // ecr:CreateRepository, required of the role, is for) and gives it the policy of a repository creation
    // template if one applies (ECR User Guide, "Repository creation templates"), which the rule does not
    // read. Not proven either way, so unread like any other layer (fail closed), but named for what it is.
    const notCreatedYet =
      read.status === 'unreadable' &&
      read.reason === 'NotFound' &&
      target.kind === 'repositoryPolicy' &&
      target.ownerAccountId === this.#role.accountId &&
      this.#createdOnFirstPull.has(target.arn);
    if (notCreatedYet) {
      this.#note(
        target.key,
        target.kind,
        subject,
        'NotCreatedYet',
        'it does not exist yet: the first pull through the cache creates it, with the policy of a ' +
          'repository creation template if one applies, which the rule does not read',
        false,
        requirement,
      );
      return 'unread';
    }
    if (read.status === 'unreadable') {
      // A template's own policy with an unresolved Deny may refuse: no report mode can set it aside.
      const alwaysFails = read.reason === 'Unresolved';
      this.#note(target.key, target.kind, subject, read.reason, read.detail, alwaysFails, requirement);
      return 'unread';
    }
    // No policy: a layer without statements, so that another account's resource still needs its Allow.
    const parsed = read.policy === null ? EMPTY_POLICY : parseText(read.policy, 'resource');
    if ('problem' in parsed) {
      this.#note(target.key, target.kind, subject, 'Unparseable', parsed.problem, true, requirement);
      return 'unread';
    }
    const policy: NamedPolicy = {
      kind: 'custom',
      name: `${otherLayerText(target.kind)} of ${subject}`,
      document: parsed,
    };
    return { kind: target.kind, policy, ownerAccountId: target.ownerAccountId };
  }

  #organizationLayer(
    layer: 'scp' | 'rcp',
    levels: OrganizationPolicyLevels | undefined,
    managementAccount: boolean,
  ): OrganizationLayer | undefined {
    if (levels === undefined) return undefined;
    const parsedLevels: NamedPolicy[][] = [];
    for (const level of levels.levels) {
      const policies: NamedPolicy[] = [];
      for (const policy of level.policies) {
        const parsed = parseText(policy.content, undefined);
        const name = `${policy.id} at ${levelLabel(level.targetId)}`;
        if ('problem' in parsed) {
          this.#note(`${layer} ${policy.id}`, layer, name, 'Unparseable', parsed.problem, true);
          // An SCP or RCP that cannot be read could deny anything: no grant can be proven past it.
          return { levels: [[]], managementAccount };
        }
        policies.push({ kind: 'custom', name, document: parsed });
      }
      parsedLevels.push(policies);
    }
    return { levels: parsedLevels, managementAccount };
  }

  #reasonOf(decision: LayeredDecision, target: LayerTarget | undefined, policies: PolicySet): FindingReason {
    const { deniedBy } = decision;
    if (decision.decision === 'explicitDeny') {
      const deny = decision.matchedStatements.find((statement) => statement.effect === 'Deny');
      const statement =
        deny === undefined
          ? '?'
          : deny.sid !== undefined && deny.sid !== ''
            ? deny.sid
            : String(deny.statementIndex);
      if (deniedBy === 'scp' || deniedBy === 'rcp') {
        return { kind: 'layerDeny', layer: deniedBy, policyName: deny?.policyName ?? '', statement };
      }
      if (deniedBy !== undefined && deniedBy !== 'identity' && deniedBy !== 'boundary' && target) {
        return { kind: 'layerDeny', layer: deniedBy, policyName: layerSubject(target), statement };
      }
      return {
        kind: 'explicitDeny',
        policyName: deny ? `${deny.policyKind}:${deny.policyName}` : 'identity',
        statement,
      };
    }
    if (decision.conditional) {
      return { kind: 'conditional', conditions: decision.unresolvedConditions.map(conditionText) };
    }
    if (deniedBy === 'scp' || deniedBy === 'rcp') {
      const levels = this.#options.layers.organization;
      const read =
        levels?.status === 'read' ? levels.policies[deniedBy === 'scp' ? 'scps' : 'rcps'] : undefined;
      const targetId = read?.levels[decision.deniedAtLevel ?? 0]?.targetId ?? '';
      const label = levelLabel(targetId);
      return {
        kind: 'layerNoAllow',
        layer: deniedBy,
        policyName: label,
        detail: `no ${deniedBy === 'scp' ? 'SCP' : 'RCP'} at ${label} allows it`,
        principalArn: this.#role.arn,
      };
    }
    if (deniedBy === 'boundary' && policies.boundary) {
      return { kind: 'boundary', policyName: `boundary:${policies.boundary.name}` };
    }
    if (deniedBy !== undefined && deniedBy !== 'identity' && deniedBy !== 'boundary' && target) {
      return {
        kind: 'layerNoAllow',
        layer: deniedBy,
        policyName: layerSubject(target),
        detail: layerNoAllowDetail(deniedBy, this.#role.accountId),
        principalArn: this.#role.arn,
      };
    }
    return { kind: 'noAllow' };
  }
}

/** The resource a layer is attached to, as findings name it. */
function layerSubject(target: LayerTarget): string {
  return target.kind === 'registryPolicy' ? `${target.ownerAccountId} ${target.region}` : target.arn;
}

/** A refusal by a layer some of whose Allow statements were left out (a template's unknowns) says so. */
function withLeftOut(
  reason: FindingReason,
  target: LayerTarget | undefined,
  layers: LayerFacts,
): FindingReason {
  if (reason.kind !== 'layerNoAllow' || target === undefined || reason.layer !== target.kind) return reason;
  const read = layers.resourcePolicies?.get(target.key);
  if (read?.status !== 'read' || read.leftOut === undefined) return reason;
  return { ...reason, detail: `${reason.detail}; ${read.leftOut}` };
}
