-- kdive with nvim-dap (https://github.com/mfussenegger/nvim-dap): put this in your
-- config (e.g. ~/.config/nvim/after/plugin/kdive.lua). `kdive` must be on PATH (or
-- give its path as command). :DapContinue asks which configuration; F9 ... as you
-- map them. The REPL evaluates gdb expressions; "-exec CMD" runs a gdb command.
local dap = require('dap')

dap.adapters.kdive = {
  type = 'executable',
  command = 'kdive',
  args = { 'dap' },
}

dap.configurations.c = {
  {
    type = 'kdive',
    request = 'launch',
    name = 'kdive: fork to kernel_clone',
    program = 'fork',            -- a built-in guest program, or your own: './repro.c'
    stopOnEntry = true,          -- stop at the program's main
  },
  {
    type = 'kdive',
    request = 'launch',
    name = 'kdive: a scenario',
    scenario = function()
      return vim.fn.input('Scenario: ', vim.fn.getcwd() .. '/scenarios/fork.scn', 'file')
    end,
    stopOnEntry = true,
  },
}
