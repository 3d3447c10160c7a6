import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {scenarioJsonSchema} from '../scenario/scenario-schema.js'
import {formatScenarioList, listScenarios, type ScenarioListing} from '../scenario/scenario-list.js'

export default class Scenarios extends BaseCommand {
  static override summary = 'List the traffic scenarios `scalelab bench` can run.'
  static override description = `Scenarios come from ./scenarios/*.yaml of the working directory and the packaged scenarios/ (a name in both: yours). Each is shown with its description, total duration and phases; a file that does not validate is listed with what is wrong.

--schema prints the JSON Schema of scenario files (the committed scenarios/scenario.schema.json is generated from it), for editors.

Exit codes: 0 ok, 2 bad input.`
  static override examples = [
    {description: 'The scenarios with their phases', command: '<%= config.bin %> scenarios'},
    {description: 'As JSON', command: '<%= config.bin %> scenarios --json'},
    {description: 'The JSON Schema of scenario files', command: '<%= config.bin %> scenarios --schema > scenario.schema.json'},
  ]
  static override enableJsonFlag = true
  static override flags = {
    schema: Flags.boolean({description: 'Print the JSON Schema of scenario files instead.'}),
  }

  async run(): Promise<ScenarioListing[] | Record<string, unknown>> {
    const {flags} = await this.parse(Scenarios)
    if (flags.schema) {
      const schema = scenarioJsonSchema()
      if (!this.jsonEnabled()) this.log(JSON.stringify(schema, null, 2))
      return schema
    }
    const listings = await listScenarios()
    if (!this.jsonEnabled()) this.log(formatScenarioList(listings))
    return listings
  }
}
