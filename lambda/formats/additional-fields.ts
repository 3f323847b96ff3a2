/**
 * The one column a format adds to a built-in Sentinel table for the record fields that table has no
 * column for (VPC flow log `reject-reason`, CloudTrail `insightDetails`, fields AWS adds later), so
 * nothing a producer wrote is dropped. Azure accepts an added column on a built-in table only when its
 * name ends in `_CF`.
 */
export const ADDITIONAL_FIELDS_COLUMN = 'AdditionalFields_CF';
