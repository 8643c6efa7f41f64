;;; kdive with dape (https://github.com/svaante/dape), Emacs 29+: put this in your
;;; init file. `kdive' must be on PATH. M-x dape RET kdive-fork RET launches; the
;;; REPL evaluates gdb expressions, "-exec CMD" runs a gdb command.
(with-eval-after-load 'dape
  (add-to-list 'dape-configs
               '(kdive-fork
                 modes (c-mode c-ts-mode)
                 command "kdive"
                 command-args ("dap")
                 :type "kdive"
                 :request "launch"
                 :program "fork"          ; or your own program: "./repro.c"
                 :stopOnEntry t))
  (add-to-list 'dape-configs
               '(kdive-scenario
                 modes (c-mode c-ts-mode)
                 command "kdive"
                 command-args ("dap")
                 :type "kdive"
                 :request "launch"
                 :scenario (lambda () (read-file-name "Scenario: " nil nil t))
                 :stopOnEntry t)))
