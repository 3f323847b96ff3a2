import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { SentinelLogAnalyticsWorkspaceOnboarding } from '@cdktf/provider-azurerm/lib/sentinel-log-analytics-workspace-onboarding';
import { Construct } from 'constructs';

/** A Log Analytics workspace this construct creates, with Microsoft Sentinel onboarded. */
export interface NewWorkspaceOptions {
  readonly kind: 'new';
  /**
   * Workspace name (4–63 letters, digits and hyphens).
   * @default - `<namePrefix>-law`
   */
  readonly name?: string;
  /**
   * Workspace-wide interactive retention in days (30–730); tables without their own retention
   * inherit it.
   * @default 90 - the retention Microsoft Sentinel includes at no extra charge
   */
  readonly retentionInDays?: number;
  /**
   * Daily ingestion cap in GB; ingestion stops for the day once reached, so leave it unset unless
   * losing data is preferable to the bill.
   * @default - no cap
   */
  readonly dailyQuotaGb?: number;
}

/** A Log Analytics workspace that already exists, referenced by its resource id. */
export interface ExistingWorkspaceOptions {
  readonly kind: 'existing';
  /**
   * `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>`.
   * The DCE and DCRs are created in `location`, which must be the workspace's region.
   */
  readonly resourceId: string;
  /**
   * Onboard Microsoft Sentinel to the workspace. Off by default because an existing Sentinel
   * workspace is already onboarded and onboarding it again fails.
   * @default false
   */
  readonly onboardSentinel?: boolean;
}

/** Where the custom tables live. */
export type WorkspaceOptions = NewWorkspaceOptions | ExistingWorkspaceOptions;

export interface SentinelWorkspaceProps {
  readonly workspace: WorkspaceOptions;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Used to name a new workspace. */
  readonly namePrefix: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * The Sentinel workspace: a new Log Analytics workspace with Microsoft Sentinel onboarded, or an
 * existing one referenced by resource id (optionally onboarded).
 */
export class SentinelWorkspace extends Construct {
  /** The workspace's ARM resource id, the scope of tables, DCR destinations and alerts. */
  public readonly workspaceResourceId: string;
  /** The workspace, when this construct created it. */
  public readonly workspace?: LogAnalyticsWorkspace;
  /** The Sentinel onboarding, when this construct created it. */
  public readonly onboarding?: SentinelLogAnalyticsWorkspaceOnboarding;

  constructor(scope: Construct, id: string, props: SentinelWorkspaceProps) {
    super(scope, id);
    const options = props.workspace;
    if (options.kind === 'existing') {
      this.workspaceResourceId = options.resourceId;
      if (options.onboardSentinel === true) {
        this.onboarding = new SentinelLogAnalyticsWorkspaceOnboarding(this, 'Sentinel', {
          workspaceId: options.resourceId,
        });
      }
      return;
    }
    this.workspace = new LogAnalyticsWorkspace(this, 'Resource', {
      name: options.name ?? `${props.namePrefix}-law`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      sku: 'PerGB2018',
      retentionInDays: options.retentionInDays ?? 90,
      dailyQuotaGb: options.dailyQuotaGb,
      // Ingestion is Entra-authenticated (Logs Ingestion API); shared workspace keys would be a
      // second, unaudited way in.
      localAuthenticationEnabled: false,
      tags: props.tags,
    });
    this.workspaceResourceId = this.workspace.id;
    this.onboarding = new SentinelLogAnalyticsWorkspaceOnboarding(this, 'Sentinel', {
      workspaceId: this.workspace.id,
    });
  }
}
