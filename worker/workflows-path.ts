/** The workflow code's entry: on its own, so bundling the workflows loads no activity code (nor the database client). */
export const WORKFLOWS_PATH = require.resolve('../workflows');
