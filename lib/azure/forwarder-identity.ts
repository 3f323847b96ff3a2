import { Application } from '@cdktf/provider-azuread/lib/application';
import type { ApplicationPasswordA } from '@cdktf/provider-azuread/lib/application-password';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import type { ProducerDefinition } from '../producer';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE } from '../../lambda/contract/environment';
import { addRotatingClientSecret, type RotatingClientSecret } from './rotating-client-secret';

/** The role the Logs Ingestion API requires on a DCR; it grants nothing else. */
export const INGESTION_ROLE = 'Monitoring Metrics Publisher';
/** The audience Entra expects in a federated token exchanged for an access token. */
export { ENTRA_TOKEN_EXCHANGE_AUDIENCE as TOKEN_EXCHANGE_AUDIENCE } from '../../lambda/contract/environment';

/**
 * An Entra application registration with a service principal and a client secret (the default).
 * The forwarder reads the secret from SSM; the CLI's `put-secret` copies it there.
 */
export interface ApplicationIdentityOptions {
  readonly mode: 'application';
  /**
   * Display name of the app registration; with `perProducer`, each producer's is this name
   * followed by `-<producer>`.
   * @default - `<namePrefix>-forwarder`
   */
  readonly displayName?: string;
  /**
   * The generation of the current client secret. Raise it by exactly one to rotate: the deploy adds
   * a new secret and keeps the current one until the next rotation (or its expiry), so the forwarder
   * keeps working until `put-secret` writes the new one; the secret of the generation before is
   * deleted. Never lower it, and never raise it by more than one in a deploy: either would delete
   * the secret in use.
   * @default 1
   */
  readonly secretGeneration?: number;
  /**
   * How many days each new client secret is valid. Applies to secrets created from then on: changing
   * it replaces no existing secret.
   * @default - Entra's default lifetime, two years after creation
   */
  readonly secretLifetimeDays?: number;
  /**
   * When new client secrets expire, RFC 3339 (`2027-01-31T00:00:00Z`). Prefer `secretLifetimeDays`,
   * which a rotation renews. Changing it no longer replaces the secret: raise `secretGeneration`.
   * @default - see `secretLifetimeDays`
   */
  readonly secretEndDate?: string;
  /**
   * One app registration (and client secret) per producer, each allowed to write only to its own
   * producer's DCR, so one forwarder's secret cannot write another producer's data.
   * @default false - one app registration for every producer
   */
  readonly perProducer?: boolean;
}

/** A principal that exists already; only its role assignments on the DCRs are created. */
export interface ExistingPrincipalOptions {
  readonly mode: 'existing';
  /** Object id of the service principal (or managed identity) the role is assigned to. */
  readonly objectId: string;
  /** Its client (application) id, the forwarder's sign-in name. */
  readonly clientId: string;
  /**
   * Tenant the principal belongs to.
   * @default - the tenant Terraform is signed in to
   */
  readonly tenantId?: string;
}

/**
 * A user-assigned managed identity trusting AWS IAM outbound identity federation: the forwarder
 * exchanges an AWS-signed JWT (`sts:GetWebIdentityToken`) for an Entra token. No secret exists.
 */
export interface FederatedIdentityOptions {
  readonly mode: 'federated';
  /**
   * The AWS account's outbound identity federation issuer URL (`aws iam
   * get-outbound-web-identity-federation-info` → IssuerIdentifier), `https://…`.
   */
  readonly issuer: string;
  /**
   * The forwarder Lambda's execution role ARN for every producer, keyed by producer name: the
   * `sub` of the tokens AWS issues for that role, trusted by one federated credential each.
   */
  readonly lambdaRoleArns: Readonly<Record<string, string>>;
  /**
   * Name of the managed identity; with `perProducer`, each producer's is this name followed by
   * `-<producer>`.
   * @default - `<namePrefix>-forwarder`
   */
  readonly name?: string;
  /**
   * One managed identity per producer, each trusting only that producer's Lambda role and allowed
   * to write only to that producer's DCR. Also lifts the limit of 20 producers: a managed identity
   * holds at most 20 federated credentials.
   * @default false - one managed identity, with one federated credential per producer
   */
  readonly perProducer?: boolean;
}

/** Who the forwarder signs in as. */
export type IdentityOptions =
  ApplicationIdentityOptions | ExistingPrincipalOptions | FederatedIdentityOptions;

export interface ForwarderIdentityProps {
  readonly identity: IdentityOptions;
  readonly producers: readonly ProducerDefinition[];
  readonly resourceGroupName: string;
  readonly location: string;
  readonly namePrefix: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/** One principal the forwarder signs in as: shared by every producer, or one producer's own. */
export interface ForwarderPrincipal {
  /** Client id the forwarder authenticates with. */
  readonly clientId: string;
  /** Object id that role assignments name. */
  readonly principalId: string;
  readonly application?: Application;
  readonly servicePrincipal?: ServicePrincipal;
  /** The client secrets (application mode): the current one and, after a rotation, the one before. */
  readonly secret?: RotatingClientSecret;
  readonly managedIdentity?: UserAssignedIdentity;
  /** Federated mode: the credentials trusting the producers' Lambda roles. */
  readonly federatedCredentials: readonly FederatedIdentityCredential[];
}

/**
 * The principal the forwarder signs in as, in one of three modes: a new Entra application with a
 * client secret, an existing principal, or a federated user-assigned managed identity. In the
 * application and federated modes, `perProducer` gives every producer a principal of its own.
 */
export class ForwarderIdentity extends Construct {
  public readonly mode: IdentityOptions['mode'];
  /** Whether each producer has its own principal. */
  public readonly perProducer: boolean;
  /** The principal of each producer, keyed by producer name (the same one for all when shared). */
  public readonly principals: Readonly<Record<string, ForwarderPrincipal>>;
  /** The principal every producer shares; undefined with per-producer principals. */
  public readonly shared?: ForwarderPrincipal;
  /** Client id the forwarder authenticates with; undefined with per-producer principals (see `principals`). */
  public readonly clientId?: string;
  /** Tenant the principals belong to. */
  public readonly tenantId: string;
  /** Object id that role assignments name; undefined with per-producer principals (see `principals`). */
  public readonly principalId?: string;
  /**
   * The current client secret (a Terraform reference; the value lives only in state). Application
   * mode with a shared principal only; per producer, see `principals`.
   */
  public readonly clientSecret?: string;
  public readonly application?: Application;
  public readonly servicePrincipal?: ServicePrincipal;
  /** The current client secret's resource (shared application mode). */
  public readonly password?: ApplicationPasswordA;
  public readonly managedIdentity?: UserAssignedIdentity;
  /** One per producer, federated mode only. */
  public readonly federatedCredentials: readonly FederatedIdentityCredential[];

  constructor(scope: Construct, id: string, props: ForwarderIdentityProps) {
    super(scope, id);
    const options = props.identity;
    this.mode = options.mode;
    this.perProducer = options.mode !== 'existing' && options.perProducer === true;
    const principals: Record<string, ForwarderPrincipal> = {};
    switch (options.mode) {
      case 'application': {
        // Whoever deploys owns the registration, so they (and no one else by default) can rotate its secret.
        const deployer = new DataAzureadClientConfig(this, 'Deployer', {});
        const displayName = options.displayName ?? `${props.namePrefix}-forwarder`;
        if (this.perProducer) {
          for (const producer of props.producers) {
            principals[producer.name] = applicationPrincipal(
              new Construct(this, producer.name),
              `${displayName}-${producer.name}`,
              deployer.objectId,
              options,
            );
          }
          this.tenantId = deployer.tenantId;
        } else {
          const shared = applicationPrincipal(this, displayName, deployer.objectId, options);
          this.shared = shared;
          this.application = shared.application;
          this.servicePrincipal = shared.servicePrincipal;
          this.password = shared.secret?.current;
          this.clientId = shared.clientId;
          this.principalId = shared.principalId;
          this.tenantId = shared.servicePrincipal!.applicationTenantId;
          this.clientSecret = this.password?.value;
        }
        break;
      }
      case 'existing': {
        this.shared = { clientId: options.clientId, principalId: options.objectId, federatedCredentials: [] };
        this.clientId = options.clientId;
        this.principalId = options.objectId;
        this.tenantId = options.tenantId ?? new DataAzurermClientConfig(this, 'ClientConfig', {}).tenantId;
        break;
      }
      case 'federated': {
        const name = options.name ?? `${props.namePrefix}-forwarder`;
        if (this.perProducer) {
          for (const producer of props.producers) {
            principals[producer.name] = federatedPrincipal(
              new Construct(this, producer.name),
              `${name}-${producer.name}`,
              [producer],
              options,
              props,
            );
          }
          this.tenantId = new DataAzurermClientConfig(this, 'ClientConfig', {}).tenantId;
        } else {
          const shared = federatedPrincipal(this, name, props.producers, options, props);
          this.shared = shared;
          this.managedIdentity = shared.managedIdentity;
          this.clientId = shared.clientId;
          this.principalId = shared.principalId;
          this.tenantId = shared.managedIdentity!.tenantId;
        }
        break;
      }
    }
    const shared = this.shared;
    if (shared !== undefined) {
      for (const producer of props.producers) principals[producer.name] = shared;
    }
    this.principals = principals;
    this.federatedCredentials = [...new Set(Object.values(principals))].flatMap(
      (p) => p.federatedCredentials,
    );
  }

  /** The principal `producerName`'s forwarder signs in as. */
  public principalOf(producerName: string): ForwarderPrincipal {
    const principal = this.principals[producerName];
    if (principal === undefined) {
      throw new Error(
        `ForwarderIdentity has no principal for producer "${producerName}"; it was not in \`producers\``,
      );
    }
    return principal;
  }

  /**
   * Lets the principal of `producerName` (the shared one, unless each producer has its own) send
   * rows to one DCR through the Logs Ingestion API, and nothing else: the role is scoped to the
   * DCR, never the resource group or subscription.
   * @param producerName required with per-producer principals
   */
  public grantIngest(
    scope: Construct,
    id: string,
    dataCollectionRuleId: string,
    producerName?: string,
  ): RoleAssignment {
    let principalId = this.principalId;
    if (producerName !== undefined) {
      principalId = this.principalOf(producerName).principalId;
    } else if (principalId === undefined) {
      throw new Error('grantIngest needs the producer name when each producer has its own principal');
    }
    return new RoleAssignment(scope, id, {
      scope: dataCollectionRuleId,
      roleDefinitionName: INGESTION_ROLE,
      principalId,
      // A principal created in the same apply may not have replicated yet; naming its type lets
      // ARM skip the directory lookup that would otherwise fail with PrincipalNotFound.
      principalType: this.mode === 'existing' ? undefined : 'ServicePrincipal',
    });
  }
}

/** An app registration with its service principal and client secrets, added to `scope`. */
function applicationPrincipal(
  scope: Construct,
  displayName: string,
  owner: string,
  options: ApplicationIdentityOptions,
): ForwarderPrincipal {
  const application = new Application(scope, 'Application', {
    displayName,
    signInAudience: 'AzureADMyOrg',
    owners: [owner],
    // The forwarder's only permission is the DCR role; no API permissions are requested.
  });
  const servicePrincipal = new ServicePrincipal(scope, 'ServicePrincipal', {
    clientId: application.clientId,
    owners: [owner],
  });
  const secret = addRotatingClientSecret(scope, {
    applicationId: application.id,
    generation: options.secretGeneration ?? 1,
    lifetimeDays: options.secretLifetimeDays,
    endDate: options.secretEndDate,
  });
  return {
    clientId: application.clientId,
    principalId: servicePrincipal.objectId,
    application,
    servicePrincipal,
    secret,
    federatedCredentials: [],
  };
}

/** A user-assigned managed identity trusting the Lambda role of each of `producers`, added to `scope`. */
function federatedPrincipal(
  scope: Construct,
  name: string,
  producers: readonly ProducerDefinition[],
  options: FederatedIdentityOptions,
  props: ForwarderIdentityProps,
): ForwarderPrincipal {
  const managedIdentity = new UserAssignedIdentity(scope, 'Resource', {
    name,
    location: props.location,
    resourceGroupName: props.resourceGroupName,
    tags: props.tags,
  });
  const federatedCredentials = producers.map(
    (producer) =>
      new FederatedIdentityCredential(scope, `Federation-${producer.name}`, {
        name: `aws-${producer.name}`,
        parentId: managedIdentity.id,
        resourceGroupName: props.resourceGroupName,
        issuer: options.issuer,
        subject: options.lambdaRoleArns[producer.name],
        audience: [ENTRA_TOKEN_EXCHANGE_AUDIENCE],
      }),
  );
  return {
    clientId: managedIdentity.clientId,
    principalId: managedIdentity.principalId,
    managedIdentity,
    federatedCredentials,
  };
}
