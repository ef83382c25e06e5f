/** The version of Tracehouse, printed by `tracehouse version` and `/readyz`. */
export const VERSION = "0.1.0";
