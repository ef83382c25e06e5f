/** The version of Tracehouse, printed by `tracehouse version` and in `tracehouse --help`. */
export const VERSION = "0.1.0";
