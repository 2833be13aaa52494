from newsroom_cli.main import main

raise SystemExit(main())
