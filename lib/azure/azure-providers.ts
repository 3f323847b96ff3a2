import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Construct } from 'constructs';
import { AzapiProvider } from './azapi';

export interface AzureProvidersProps {
  /**
   * Subscription to deploy into. azurerm 4.x needs one, from here or `ARM_SUBSCRIPTION_ID`.
   * @default - `ARM_SUBSCRIPTION_ID` at plan time
   */
  readonly subscriptionId?: string;
  /**
   * Entra tenant to sign in to.
   * @default - the tenant of the signed-in Azure CLI account or `ARM_TENANT_ID`
   */
  readonly tenantId?: string;
  /**
   * Add the azuread provider, which `SentinelIngestion` needs in identity mode `application` (it
   * creates the app registration). Leave it out otherwise so `terraform init` fetches one provider.
   * @default true
   */
  readonly azuread?: boolean;
  /**
   * Add the azapi provider (`Azure/azapi`, `~> 2.5`), which `SentinelIngestion` needs for producers
   * on the Auxiliary plan. When it is left out, such a producer adds a default azapi provider itself.
   * @default false
   */
  readonly azapi?: boolean;
}

/**
 * The providers `SentinelIngestion` needs. Their versions are the ones the prebuilt provider
 * bindings were generated from (azurerm 4.55.0, azuread 3.7.0); cdktf pins exactly those in
 * `required_providers`, so the schema the TypeScript was checked against is the schema applied.
 * azapi has no prebuilt binding here; it is pinned to `AZAPI_VERSION_CONSTRAINT`.
 */
export class AzureProviders extends Construct {
  public readonly azurerm: AzurermProvider;
  public readonly azuread?: AzureadProvider;
  public readonly azapi?: AzapiProvider;

  constructor(scope: Construct, id: string, props: AzureProvidersProps = {}) {
    super(scope, id);
    this.azurerm = new AzurermProvider(this, 'azurerm', {
      features: [{}],
      subscriptionId: props.subscriptionId,
      tenantId: props.tenantId,
    });
    if (props.azuread !== false) {
      this.azuread = new AzureadProvider(this, 'azuread', { tenantId: props.tenantId });
    }
    if (props.azapi === true) {
      this.azapi = new AzapiProvider(this, 'azapi', {
        subscriptionId: props.subscriptionId,
        tenantId: props.tenantId,
      });
    }
  }
}
