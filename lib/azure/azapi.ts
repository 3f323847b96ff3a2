import { TerraformProvider, TerraformResource, TerraformStack, type TerraformMetaArguments } from 'cdktf';
import type { Construct } from 'constructs';

/** Registry source of the AzAPI provider. */
export const AZAPI_PROVIDER_SOURCE = 'Azure/azapi';
/**
 * Version constraint written to `required_providers`: 2.x is the line whose `body` is an HCL object
 * (1.x took a JSON string), and no prebuilt cdktf binding pins an exact version for it.
 */
export const AZAPI_VERSION_CONSTRAINT = '~> 2.5';

export interface AzapiProviderConfig {
  /** @default - `ARM_SUBSCRIPTION_ID` or the Azure CLI's subscription */
  readonly subscriptionId?: string;
  /** @default - `ARM_TENANT_ID` or the Azure CLI's tenant */
  readonly tenantId?: string;
}

/**
 * The AzAPI provider (`Azure/azapi`), declared without a prebuilt binding: it talks to Azure
 * Resource Manager directly, so it can create what azurerm has no argument for (such as a custom
 * table on the Auxiliary plan). It signs in the same way azurerm does (CLI, environment, OIDC).
 */
export class AzapiProvider extends TerraformProvider {
  private readonly config: AzapiProviderConfig;

  constructor(scope: Construct, id: string, config: AzapiProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'azapi',
      terraformGeneratorMetadata: {
        providerName: 'azapi',
        providerVersionConstraint: AZAPI_VERSION_CONSTRAINT,
      },
      terraformProviderSource: AZAPI_PROVIDER_SOURCE,
    });
    this.config = config;
  }

  /**
   * The stack's AzAPI provider: the one already declared in `scope`'s stack (e.g. by
   * `AzureProviders` with `azapi: true`), or a new default one at the stack's root, so a resource
   * that needs it never synthesizes without `Azure/azapi` in `required_providers`.
   */
  public static of(scope: Construct): AzapiProvider {
    const stack = TerraformStack.of(scope);
    const existing = stack.node
      .findAll()
      .find((c): c is AzapiProvider => c instanceof AzapiProvider && c.alias === undefined);
    return existing ?? new AzapiProvider(stack, 'azapi');
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { subscription_id: this.config.subscriptionId, tenant_id: this.config.tenantId };
  }
}

export interface AzapiResourceConfig extends TerraformMetaArguments {
  /** `<resource type>@<api-version>`, e.g. `Microsoft.OperationalInsights/workspaces/tables@2025-07-01`. */
  readonly type: string;
  readonly name: string;
  /** Resource id of the parent: a resource group, or the parent resource of a child type. */
  readonly parentId: string;
  /** The request body (an HCL object in azapi 2.x), keys exactly as the REST API spells them. */
  readonly body: Record<string, unknown>;
  /**
   * Check `type` and `body` against the schema embedded in the provider at plan time.
   * @default true
   */
  readonly schemaValidationEnabled?: boolean;
  /**
   * Response properties to export as `output`.
   * @default [] - none
   */
  readonly responseExportValues?: string[];
}

/**
 * `azapi_resource`, typed for the attributes this project uses. Synthesizes to Terraform JSON
 * (the only output this app produces); body keys are passed through unchanged, in the REST API's
 * camel case.
 */
export class AzapiResource extends TerraformResource {
  public static readonly tfResourceType = 'azapi_resource';
  private readonly config: AzapiResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiResourceConfig) {
    super(scope, id, {
      terraformResourceType: AzapiResource.tfResourceType,
      terraformGeneratorMetadata: {
        providerName: 'azapi',
        providerVersionConstraint: AZAPI_VERSION_CONSTRAINT,
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach,
    });
    this.config = config;
  }

  /** The ARM resource id. */
  public get id(): string {
    return this.getStringAttribute('id');
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return {
      type: this.config.type,
      name: this.config.name,
      parent_id: this.config.parentId,
      body: this.config.body,
      schema_validation_enabled: this.config.schemaValidationEnabled,
      response_export_values: this.config.responseExportValues ?? [],
    };
  }
}

export interface AzapiUpdateResourceConfig extends TerraformMetaArguments {
  /** `<resource type>@<api-version>` of the resource to update. */
  readonly type: string;
  /** ARM id of a resource that exists already (this resource never creates or deletes it). */
  readonly resourceId: string;
  /** The properties to set, merged into the resource's own; keys as the REST API spells them. */
  readonly body: Record<string, unknown>;
}

/**
 * `azapi_update_resource`: sets properties on a resource Terraform does not own (such as one of
 * Sentinel's built-in tables), and leaves the resource in place when destroyed.
 */
export class AzapiUpdateResource extends TerraformResource {
  public static readonly tfResourceType = 'azapi_update_resource';
  private readonly config: AzapiUpdateResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiUpdateResourceConfig) {
    super(scope, id, {
      terraformResourceType: AzapiUpdateResource.tfResourceType,
      terraformGeneratorMetadata: {
        providerName: 'azapi',
        providerVersionConstraint: AZAPI_VERSION_CONSTRAINT,
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
    });
    this.config = config;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { type: this.config.type, resource_id: this.config.resourceId, body: this.config.body };
  }
}
