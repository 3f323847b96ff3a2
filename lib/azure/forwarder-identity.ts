import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationPasswordA } from '@cdktf/provider-azuread/lib/application-password';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import type { ProducerDefinition } from '../producer';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE } from '../../lambda/contract/environment';

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
   * Display name of the app registration.
   * @default - `<namePrefix>-forwarder`
   */
  readonly displayName?: string;
  /**
   * When the client secret expires, RFC 3339 (`2027-01-31T00:00:00Z`). Rotate before then:
   * change it, deploy, and run `put-secret` again.
   * @default - Entra's default lifetime, two years after creation
   */
  readonly secretEndDate?: string;
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
   * Name of the managed identity.
   * @default - `<namePrefix>-forwarder`
   */
  readonly name?: string;
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

/**
 * The principal the forwarder signs in as, in one of three modes: a new Entra application with a
 * client secret, an existing principal, or a federated user-assigned managed identity.
 */
export class ForwarderIdentity extends Construct {
  public readonly mode: IdentityOptions['mode'];
  /** Client id the forwarder authenticates with. */
  public readonly clientId: string;
  /** Tenant the principal belongs to. */
  public readonly tenantId: string;
  /** Object id that role assignments name. */
  public readonly principalId: string;
  /** The client secret (a Terraform reference; the value lives only in state). Application mode only. */
  public readonly clientSecret?: string;
  public readonly application?: Application;
  public readonly servicePrincipal?: ServicePrincipal;
  public readonly password?: ApplicationPasswordA;
  public readonly managedIdentity?: UserAssignedIdentity;
  /** One per producer, federated mode only. */
  public readonly federatedCredentials: readonly FederatedIdentityCredential[];

  constructor(scope: Construct, id: string, props: ForwarderIdentityProps) {
    super(scope, id);
    const options = props.identity;
    this.mode = options.mode;
    const credentials: FederatedIdentityCredential[] = [];
    switch (options.mode) {
      case 'application': {
        // Whoever deploys owns the registration, so they (and no one else by default) can rotate its secret.
        const deployer = new DataAzureadClientConfig(this, 'Deployer', {});
        this.application = new Application(this, 'Application', {
          displayName: options.displayName ?? `${props.namePrefix}-forwarder`,
          signInAudience: 'AzureADMyOrg',
          owners: [deployer.objectId],
          // The forwarder's only permission is the DCR role; no API permissions are requested.
        });
        this.servicePrincipal = new ServicePrincipal(this, 'ServicePrincipal', {
          clientId: this.application.clientId,
          owners: [deployer.objectId],
        });
        this.password = new ApplicationPasswordA(this, 'Secret', {
          applicationId: this.application.id,
          displayName: 's3-to-sentinel forwarder',
          endDate: options.secretEndDate,
        });
        this.clientId = this.application.clientId;
        this.principalId = this.servicePrincipal.objectId;
        this.tenantId = this.servicePrincipal.applicationTenantId;
        this.clientSecret = this.password.value;
        break;
      }
      case 'existing': {
        this.clientId = options.clientId;
        this.principalId = options.objectId;
        this.tenantId = options.tenantId ?? new DataAzurermClientConfig(this, 'ClientConfig', {}).tenantId;
        break;
      }
      case 'federated': {
        this.managedIdentity = new UserAssignedIdentity(this, 'Resource', {
          name: options.name ?? `${props.namePrefix}-forwarder`,
          location: props.location,
          resourceGroupName: props.resourceGroupName,
          tags: props.tags,
        });
        for (const producer of props.producers) {
          credentials.push(
            new FederatedIdentityCredential(this, `Federation-${producer.name}`, {
              name: `aws-${producer.name}`,
              parentId: this.managedIdentity.id,
              resourceGroupName: props.resourceGroupName,
              issuer: options.issuer,
              subject: options.lambdaRoleArns[producer.name],
              audience: [ENTRA_TOKEN_EXCHANGE_AUDIENCE],
            }),
          );
        }
        this.clientId = this.managedIdentity.clientId;
        this.principalId = this.managedIdentity.principalId;
        this.tenantId = this.managedIdentity.tenantId;
        break;
      }
    }
    this.federatedCredentials = credentials;
  }

  /**
   * Lets this principal send rows to one DCR through the Logs Ingestion API, and nothing else:
   * the role is scoped to the DCR, never the resource group or subscription.
   */
  public grantIngest(scope: Construct, id: string, dataCollectionRuleId: string): RoleAssignment {
    return new RoleAssignment(scope, id, {
      scope: dataCollectionRuleId,
      roleDefinitionName: INGESTION_ROLE,
      principalId: this.principalId,
      // A principal created in the same apply may not have replicated yet; naming its type lets
      // ARM skip the directory lookup that would otherwise fail with PrincipalNotFound.
      principalType: this.mode === 'existing' ? undefined : 'ServicePrincipal',
    });
  }
}
