// A rendering bug in the dashboard must not end the run: show one line instead of the dashboard and
// let the run finish and write its report.
import {Text} from 'ink'
import {Component, type ReactNode} from 'react'

interface State {
  error: Error | null
}

export class DashboardErrorBoundary extends Component<{children: ReactNode}, State> {
  override state: State = {error: null}

  static getDerivedStateFromError(error: Error): State {
    return {error}
  }

  override render() {
    if (this.state.error) {
      return (
        <Text color="red" wrap="truncate-end">
          dashboard failed ({this.state.error.message}); the run goes on and its report will be written. q / Ctrl-C stops.
        </Text>
      )
    }
    return this.props.children
  }
}
