import { ApplicationPasswordA } from '@cdktf/provider-azuread/lib/application-password';
import { Fn } from 'cdktf';
import type { Construct } from 'constructs';

/** Display name of generation 1, the name the single secret always had. */
export const FIRST_SECRET_DISPLAY_NAME = 's3-to-sentinel forwarder';

export interface RotatingClientSecretProps {
  /** Resource id of the Entra application the secrets belong to. */
  readonly applicationId: string;
  /** The generation whose secret is current; whole number, at least 1. */
  readonly generation: number;
  /**
   * How many days each new secret is valid.
   * @default - Entra's default lifetime, two years
   */
  readonly lifetimeDays?: number;
  /**
   * An absolute end date (RFC 3339) for secrets created while it is set; the older way to bound a
   * secret's life. At most one of `lifetimeDays` and `endDate`.
   * @default - see `lifetimeDays`
   */
  readonly endDate?: string;
}

/** The client secrets of one application: the current one, and the one before it while it lasts. */
export interface RotatingClientSecret {
  readonly generation: number;
  /** The newest secret, the one `put-secret` should write. */
  readonly current: ApplicationPasswordA;
  /** The secret of the generation before, kept until the next rotation; none at generation 1. */
  readonly previous?: ApplicationPasswordA;
}

/**
 * Adds an application's client secrets to `scope`, in two slots so that a rotation never deletes
 * the secret the forwarder is using: odd generations live in `Secret` (the id the single secret
 * always had, so upgrading replaces nothing), even ones in `SecretEven`. Raising the generation by
 * one replaces only the slot holding generation − 1: the secret that was current stays until the
 * rotation after (or its own expiry), which leaves `put-secret` the whole time between two
 * rotations to copy the new one.
 */
export function addRotatingClientSecret(
  scope: Construct,
  props: RotatingClientSecretProps,
): RotatingClientSecret {
  const { generation } = props;
  const odd = generation % 2 === 1 ? generation : generation - 1;
  const even = generation % 2 === 0 ? generation : generation - 1;
  const oddSecret = slot(scope, 'Secret', odd, props);
  const evenSecret = even >= 2 ? slot(scope, 'SecretEven', even, props) : undefined;
  const [current, previous] = generation % 2 === 1 ? [oddSecret, evenSecret] : [evenSecret!, oddSecret];
  return { generation, current, previous };
}

function slot(
  scope: Construct,
  id: string,
  generation: number,
  props: RotatingClientSecretProps,
): ApplicationPasswordA {
  const lifetime =
    props.lifetimeDays === undefined
      ? undefined
      : Fn.timeadd(Fn.plantimestamp(), `${props.lifetimeDays * 24}h`);
  return new ApplicationPasswordA(scope, id, {
    applicationId: props.applicationId,
    // Generation 1 keeps the configuration the single secret had, so upgrading does not replace it.
    displayName:
      generation === 1 ? FIRST_SECRET_DISPLAY_NAME : `${FIRST_SECRET_DISPLAY_NAME}, generation ${generation}`,
    rotateWhenChanged: generation === 1 ? undefined : { generation: String(generation) },
    endDate: props.endDate ?? lifetime,
    // The end date is fixed when a secret is created: plantimestamp() moves on every plan, and a
    // changed lifetime or end date must not replace (so delete) a secret in use. A rotation still
    // creates its new secret from the current settings.
    lifecycle: { ignoreChanges: ['end_date'] },
  });
}
