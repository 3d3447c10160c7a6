// The few terminal control sequences the dashboard itself sends (Ink handles its own frames): the
// alternate screen keeps a run's frames out of the scrollback, and the cursor must come back.

export const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h'
export const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l'
export const CLEAR_SCREEN_HOME = '\u001B[2J\u001B[H'
export const SHOW_CURSOR = '\u001B[?25h'
